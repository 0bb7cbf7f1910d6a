// The fleet part of npm run bench, on the simulated world (sim/fleet.ts and sim/fleet-database.ts,
// the helpers test/e2e/fleet.test.ts uses): three hosts from the one bootstrap user-data behind
// HAProxy configured like the target group, sharing one real PostgreSQL as on RDS (TLS, the
// password from the RDS-managed secret each release reads), a rolling release of a new digest
// through the State Manager stand-in (MaxConcurrency 1, MaxErrors 0) under steady load through the
// load balancer, checked against the database (every acknowledged write in it), then one host
// killed under the same load. Each failed-request count has the load's rate beside it.
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { simRelease } from '../sim/berth.js';
import { SimFleet, fleetSetup, loseHostUnderLoad, underLoad } from '../sim/fleet.js';
import { type FleetDatabase, launchRacingMigrations, startFleetDatabase } from '../sim/fleet-database.js';
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

    const loss = await loseHostUnderLoad(fleet, fleet.hosts[1]!, { observeS: 20 });
    const lossRps = Math.round(loss.load.requestsPerSecond);
    record('fleet_host_loss_failed_requests', loss.result.failed,
      `requests failed when one host was killed under load, of ${loss.load.requests} at ${lossRps} requests/s; DOWN ${round((loss.result.detectedAtMs - loss.result.killedAtMs) / 1000)} s after the kill, last failure ${round(loss.result.failureWindowMs / 1000)} s after it`);
    record('fleet_host_loss_load_rps', lossRps, 'the load through the load balancer meanwhile (the same 8 connections)');
  } finally {
    await fleet?.close();
    await db?.close();
    await world?.close();
  }
}
