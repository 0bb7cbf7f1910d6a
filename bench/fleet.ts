// The fleet part of npm run bench, on the simulated world (sim/fleet.ts and sim/fleet-database.ts,
// the helpers test/e2e/fleet.test.ts uses): three hosts from the one bootstrap user-data behind
// HAProxy configured like the target group, sharing one real PostgreSQL as on RDS (TLS, the
// password from the RDS-managed secret each release reads), a rolling release of a new digest
// through the State Manager stand-in (MaxConcurrency 1, MaxErrors 0) under steady load through the
// load balancer, checked against the database (every acknowledged write in it), then one host
// killed under the same load. Each failed-request count has the load's rate beside it. Between the
// two, the database restore drill (sim/fleet-restore-drill.ts, as test/e2e/fleet-restore.test.ts):
// a snapshot of the database under load, restored to a new endpoint and secret, and the release
// that moves the hosts to it, under the same load.
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { simRelease } from '../sim/berth.js';
import { SimFleet, fleetSetup, loseHostUnderLoad, underLoad } from '../sim/fleet.js';
import { type FleetDatabase, launchRacingMigrations, startFleetDatabase } from '../sim/fleet-database.js';
import { restoreFleetDatabaseUnderLoad } from '../sim/fleet-restore-drill.js';
import { type World, createWorld } from '../sim/world.js';

type Record = (key: string, value: number, note: string) => void;

const HOSTS = 3;
const round = (x: number) => Math.round(x * 10) / 10;

/** The ids among `ids` the fleet's notes table lacks, asked of PostgreSQL itself. */
async function missingFrom(db: FleetDatabase, ids: readonly string[]): Promise<number> {
  const stored = new Set((await db.sql('select id from notes')).split('\n').map((l) => l.trim()).filter(Boolean));
  return ids.filter((id) => !stored.has(id)).length;
}

export async function benchFleet(appImage: string, secondImage: string, record: Record): Promise<void> {
  let world: World | undefined;
  let db: FleetDatabase | undefined;
  let fleet: SimFleet | undefined;
  let restored: FleetDatabase | undefined;
  try {
    world = await createWorld();
    await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
    const first = await world.pushImage(appImage, 'berth/notes');
    const second = await world.pushImage(secondImage, 'berth/notes');
    if (first.digest === second.digest) throw new Error('bench: the fleet needs two different digests to roll');
    const w = world;
    db = await startFleetDatabase(world);
    const database = db.setup;
    const release = (reference: string) => ({ setup: fleetSetup(w, database), release: simRelease(w, reference) });
    fleet = await SimFleet.create(world, { secrets: db.secrets });
    await fleet.publish(release(first.reference));
    await launchRacingMigrations(fleet, db, HOSTS);

    const roll = await underLoad(fleet.lb.url, () => fleet!.release(release(second.reference), { maxConcurrency: 1, maxErrors: 0 }));
    if (roll.result.waiter.code !== 0) throw new Error(`bench: the fleet roll failed:\n${roll.result.waiter.stdout}\n${roll.result.waiter.stderr}`);
    const rollRps = Math.round(roll.load.requestsPerSecond);
    const acknowledged = roll.load.acknowledgedWrites.length;
    const missing = await missingFrom(db, roll.load.acknowledgedWrites);
    record('fleet_hosts', fleet.hosts.length, 'simulated hosts behind HAProxy (configured like the target group), one user-data, no volume, one shared PostgreSQL (TLS, password from the RDS-managed secret)');
    record('fleet_release_s', round((roll.duringMs[1] - roll.duringMs[0]) / 1000), 'rolling release of a new digest, MaxConcurrency 1: association created → waiter ends 0 after every host');
    record('fleet_release_failed_requests', roll.load.failed, `requests failed through the load balancer during that roll, of ${roll.load.requests} at ${rollRps} requests/s (target 0)`);
    record('fleet_release_load_rps', rollRps, 'the steady load through the load balancer meanwhile (8 keep-alive connections, 1 request in 10 a write; target ≥ 200)');
    record('fleet_release_writes_missing', missing, `acknowledged writes (201 with an id) of that roll not found in PostgreSQL, of ${acknowledged} checked (target 0)`);

    // The restore drill: from here on the hosts use the restored database (the host loss below too).
    const drill = await restoreFleetDatabaseUnderLoad(fleet, db, (database) => ({ setup: fleetSetup(w, database), release: simRelease(w, second.reference) }));
    restored = drill.restored;
    const o = drill.outcome;
    const breaches = { impossible: o.impossible, nowhere: o.nowhere, missingFromOld: o.missingFromOld, afterReleaseNotRestored: o.afterReleaseNotRestored };
    for (const [what, ids] of Object.entries(breaches)) if (ids.length > 0) throw new Error(`bench: fleet restore drill: ${what}: ${ids.slice(0, 5).join(', ')} (${ids.length})`);
    const restoreRps = Math.round(drill.load.requestsPerSecond);
    const copyS = round((drill.snapshot.endedAt - drill.snapshot.startedAt) / 1000);
    record('fleet_restore_release_s', round((drill.release.endedAt - drill.release.startedAt) / 1000), `the release that moves ${fleet.hosts.length} hosts to a database restored from a DB snapshot (new endpoint, new secret; same app), MaxConcurrency 1: publish → waiter ends 0 after every host`);
    record('fleet_restore_failed_requests', drill.load.failed, `requests failed through the load balancer from before the snapshot to after that release, of ${drill.load.requests} at ${restoreRps} requests/s (target 0)`);
    record('fleet_restore_load_rps', restoreRps, 'the steady load through the load balancer meanwhile (8 keep-alive connections, 1 request in 10 a write)');
    record('fleet_restore_missing_notes', o.missingBeforeSnapshot.length, `notes acknowledged before the snapshot (pg_basebackup of the running server, ${copyS} s) and missing from the restored database, of ${o.beforeSnapshot} checked (target 0)`);
    record('fleet_restore_lost_after_snapshot_notes', o.lostAfterSnapshot, `notes sent after the snapshot and not in the restored database (what the restore loses; they stay in the old one): ${o.afterSnapshot} before the release, ${o.duringReleaseOldOnly} during it; of ${o.duringSnapshot} in flight during the copy, ${o.duringSnapshotRestored} are in it`);
    record('fleet_restore_old_only_notes', o.duringReleaseOldOnly, `notes acknowledged during the release that went to the old database only (hosts not yet moved), of ${o.duringRelease} acknowledged during it; all ${o.afterRelease} after it are in the restored one`);

    const loss = await loseHostUnderLoad(fleet, fleet.hosts[1]!, { observeS: 20 });
    const lossRps = Math.round(loss.load.requestsPerSecond);
    record('fleet_host_loss_failed_requests', loss.result.failed,
      `requests failed when one host was killed under load, of ${loss.load.requests} at ${lossRps} requests/s; DOWN ${round((loss.result.detectedAtMs - loss.result.killedAtMs) / 1000)} s after the kill, last failure ${round(loss.result.failureWindowMs / 1000)} s after it`);
    record('fleet_host_loss_load_rps', lossRps, 'the load through the load balancer meanwhile (the same 8 connections)');
  } finally {
    await fleet?.close();
    await restored?.close();
    await db?.close();
    await world?.close();
  }
}
