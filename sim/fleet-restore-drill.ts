// A fleet's database restore drill on the simulated world: the fleet (sim/fleet.ts) serves notes
// from its database (sim/fleet-database.ts, standing in for RDS) under steady load through the load
// balancer (sim/timeline.ts: every tenth request a write, each 201's id and arrival time kept); a
// "DB snapshot" of the database is taken while it serves; more notes are written; the snapshot is
// restored as RDS restores one (a NEW server: a new endpoint, a new password in a new RDS-managed
// secret, the old one kept running as a protected instance is kept); the hosts' role gets the new
// secret; and the release `pulumi up` then delivers (HostSetup.database naming the new endpoint and
// secret, nothing else changed) rolls over the hosts, health-gated, under the same load. Then both
// databases are read directly and every acknowledged note is sorted by when its 201 arrived
// (fleetRestoreOutcome). test/e2e/fleet-restore.test.ts and bench/fleet.ts share it.
import type { HostSetup } from '../infra/host/settings.js';
import type { SimRelease } from './berth.js';
import { type FleetDatabase, type FleetDbSnapshot, startFleetDatabaseFromSnapshot } from './fleet-database.js';
import { type RollResult, type SimFleet, underLoad } from './fleet.js';
import type { Timeline } from './timeline.js';

/** Epoch ms a phase started and ended. */
export interface Window {
  readonly startedAt: number;
  readonly endedAt: number;
}

/** A note the app acknowledged through the load balancer: its id, when the write was sent and when
 * its 201 arrived (epoch ms). A write sent after a copy ended cannot be in it; one acknowledged
 * before a copy started is in it; one between may be either. */
export interface AckedWrite {
  readonly id: string;
  readonly sentAt: number;
  readonly ackedAt: number;
}

/**
 * Where the acknowledged notes are after a restore and the release that moved the hosts, by phase:
 * acknowledged before the snapshot's copy started; sent before it ended (either way is right);
 * sent after it and acknowledged before the release started (only the old database can hold
 * them); acknowledged during the release and sent before it ended (some hosts on the old database,
 * some on the restored one: one or the other); sent after the release ended. Each list of ids is a
 * policy breach when not empty; the counts are what the drill reports.
 */
export interface FleetRestoreOutcome {
  readonly beforeSnapshot: number;
  /** Acknowledged before the snapshot started, not in the restored database (target: none). */
  readonly missingBeforeSnapshot: readonly string[];
  /** In flight while the copy ran: either way is right; how many the restored one has. */
  readonly duringSnapshot: number;
  readonly duringSnapshotRestored: number;
  /** Sent after the copy ended, acknowledged before the release started. */
  readonly afterSnapshot: number;
  /** Sent after the copy ended and not in the restored database: what the restore loses (those
   * before the release, and the release's writes that went to the old database). */
  readonly lostAfterSnapshot: number;
  /** Acknowledged during the release: in one database or the other, never both. */
  readonly duringRelease: number;
  /** Of them, in the old database only: written through a host not yet moved. */
  readonly duringReleaseOldOnly: number;
  /** Sent after the release ended: every one in the restored database, none in the old. */
  readonly afterRelease: number;
  readonly afterReleaseNotRestored: readonly string[];
  /** Sent after the copy ended yet in the restored database before the release started, or in
   * both databases, or sent after the release and in the old one (target: none). */
  readonly impossible: readonly string[];
  /** Acknowledged and in neither database (target: none). */
  readonly nowhere: readonly string[];
  /** Acknowledged before the release started and not in the old database, which was kept with
   * everything written to it (target: none). */
  readonly missingFromOld: readonly string[];
}

/** Sorts acknowledged notes by phase and checks each against both databases' ids. Pure. */
export function fleetRestoreOutcome(
  acked: readonly AckedWrite[],
  windows: { readonly snapshot: Window; readonly release: Window },
  stored: { readonly old: ReadonlySet<string>; readonly restored: ReadonlySet<string> },
): FleetRestoreOutcome {
  const { snapshot, release } = windows;
  for (const [what, w] of [['snapshot', snapshot], ['release', release]] as const) {
    if (w.endedAt < w.startedAt) throw new Error(`the ${what} cannot end (${w.endedAt}) before it starts (${w.startedAt})`);
  }
  if (release.startedAt < snapshot.endedAt) throw new Error(`the release (${release.startedAt}) cannot start before the snapshot it restores ends (${snapshot.endedAt})`);
  const phases = { before: [] as AckedWrite[], during: [] as AckedWrite[], after: [] as AckedWrite[], rolling: [] as AckedWrite[], afterRelease: [] as AckedWrite[] };
  for (const n of acked) {
    if (n.ackedAt < snapshot.startedAt) phases.before.push(n);
    else if (n.sentAt <= snapshot.endedAt) phases.during.push(n);
    else if (n.ackedAt < release.startedAt) phases.after.push(n);
    else if (n.sentAt <= release.endedAt) phases.rolling.push(n);
    else phases.afterRelease.push(n);
  }
  const { before, during, after, rolling, afterRelease } = phases;
  const inOld = (n: AckedWrite) => stored.old.has(n.id);
  const inRestored = (n: AckedWrite) => stored.restored.has(n.id);
  const sinceSnapshot = [...after, ...rolling, ...afterRelease];
  return {
    beforeSnapshot: before.length,
    missingBeforeSnapshot: before.filter((n) => !inRestored(n)).map((n) => n.id),
    duringSnapshot: during.length,
    duringSnapshotRestored: during.filter(inRestored).length,
    afterSnapshot: after.length,
    lostAfterSnapshot: sinceSnapshot.filter((n) => !inRestored(n)).length,
    duringRelease: rolling.length,
    duringReleaseOldOnly: rolling.filter((n) => inOld(n) && !inRestored(n)).length,
    afterRelease: afterRelease.length,
    afterReleaseNotRestored: afterRelease.filter((n) => !inRestored(n)).map((n) => n.id),
    impossible: [...new Set([...after.filter(inRestored), ...sinceSnapshot.filter((n) => inOld(n) && inRestored(n)), ...afterRelease.filter(inOld)].map((n) => n.id))],
    nowhere: acked.filter((n) => !inOld(n) && !inRestored(n)).map((n) => n.id),
    missingFromOld: [...before, ...during, ...after].filter((n) => !inOld(n)).map((n) => n.id),
  };
}

/** The ids in a fleet database's notes table, read from PostgreSQL directly. */
export async function storedNoteIds(db: FleetDatabase): Promise<Set<string>> {
  return new Set((await db.sql('select id from notes')).split('\n').map((l) => l.trim()).filter(Boolean));
}

/** The notes served through `url` (the load balancer), by id. */
export async function servedThrough(url: string): Promise<Set<string>> {
  const res = await fetch(`${url}/api/notes`, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET ${url}/api/notes answered ${res.status}`);
  return new Set(((await res.json()) as { notes: { id: string }[] }).notes.map((n) => n.id));
}

export interface FleetRestoreDrill {
  /** Every request through the load balancer, from before the snapshot to after the release. */
  readonly load: Timeline;
  readonly snapshot: Window;
  /** From the release's publish to its waiter's end. */
  readonly release: Window;
  readonly roll: RollResult;
  /** The restored database: running, the hosts' from now on; close() it before the world. */
  readonly restored: FleetDatabase;
  /** The notes served through the load balancer after the release. */
  readonly servedAfter: ReadonlySet<string>;
  readonly outcome: FleetRestoreOutcome;
}

export interface DrillTimes {
  /** Load before the snapshot (ms; plus underLoad's lead). Default 4000. */
  readonly beforeSnapshotMs?: number;
  /** Load between the snapshot and the restore. Default 3000. */
  readonly afterSnapshotMs?: number;
  /** Load after the release (underLoad's tail). Default 3000. */
  readonly afterReleaseMs?: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs the drill on a fleet serving from `db`. `releaseOn(database)` is the release `pulumi up`
 * delivers with HostSetup.database set to that (the same app release as the one serving). Throws
 * if the release fails (its waiter's output), after closing the restored database.
 */
export async function restoreFleetDatabaseUnderLoad(
  fleet: SimFleet,
  db: FleetDatabase,
  releaseOn: (database: NonNullable<HostSetup['database']>) => SimRelease,
  { beforeSnapshotMs = 4000, afterSnapshotMs = 3000, afterReleaseMs = 3000 }: DrillTimes = {},
): Promise<FleetRestoreDrill> {
  let snapshot: FleetDbSnapshot | undefined;
  let restored: FleetDatabase | undefined;
  let release: Window | undefined;
  try {
    const run = await underLoad(
      fleet.lb.url,
      async () => {
        await sleep(beforeSnapshotMs);
        snapshot = await db.snapshot();
        await sleep(afterSnapshotMs);
        restored = await startFleetDatabaseFromSnapshot(fleet.world, snapshot, { stack: fleet.stack });
        // `pulumi up`: the role's policy names the new secret (and no longer the old one), then the
        // release that names the new endpoint and secret rolls, host after host, health-gated.
        await fleet.setSecrets(restored.secrets);
        const startedAt = Date.now();
        const roll = await fleet.release(releaseOn(restored.setup), { maxConcurrency: 1, maxErrors: 0 });
        release = { startedAt, endedAt: roll.waiterEnded };
        return roll;
      },
      { tailMs: afterReleaseMs },
    );
    const roll = run.result;
    if (roll.waiter.code !== 0) throw new Error(`the release onto the restored database failed (waiter exit ${roll.waiter.code}):\n${roll.waiter.stdout}\n${roll.waiter.stderr}`);
    const acked = run.load.acknowledged.map((a) => ({ id: a.id, sentAt: run.load.startedAt + a.sentAtMs, ackedAt: run.load.startedAt + a.atMs }));
    const [old, now, servedAfter] = await Promise.all([storedNoteIds(db), storedNoteIds(restored!), servedThrough(fleet.lb.url)]);
    const windows = { snapshot: { startedAt: snapshot!.startedAt, endedAt: snapshot!.endedAt }, release: release! };
    return { load: run.load, ...windows, roll, restored: restored!, servedAfter, outcome: fleetRestoreOutcome(acked, windows, { old, restored: now }) };
  } catch (err) {
    await restored?.close();
    throw err;
  }
}
