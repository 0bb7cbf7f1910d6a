// A restore drill on the simulated world: a host serving the notes app on its data volume, notes
// written through its published port (acknowledged = 201 with an id, which the app answers only
// after the note is fsynced: app/src/store.ts), a snapshot of the volume while it is in use, and a
// NEW host booted from the same user-data on a volume created from that snapshot, as a user
// restoring after a loss would. recoveryPoint() decides, from the acknowledgement times and what
// the restored host serves, which notes came back. Used by test/e2e/restore.test.ts and bench/.
import { DEFAULT_APP } from '../infra/config/schema.js';
import { releaseParameters, simParameters, simRelease, simSetup, simUserData } from './berth.js';
import type { PushedImage, SimHost, SimSnapshot, SimVolume, World } from './world.js';

/** A note the app acknowledged: its id and when the 201 reached the writer (epoch ms). */
export interface AckedNote {
  readonly id: string;
  readonly ackedAt: number;
}

/** What came back after a restore, by when each note was acknowledged against the snapshot. */
export interface RecoveryPoint {
  /** Acknowledged before the snapshot was requested: every one must be back. */
  readonly before: number;
  /** Those of them the restored host does not serve (target: none). */
  readonly missingBefore: readonly string[];
  /** Acknowledged while the snapshot was being copied: either way is right. */
  readonly during: number;
  readonly duringPresent: number;
  /** Acknowledged after the copy ended: lost by the restore (the recovery point). */
  readonly after: number;
  /** Those of them the restored host serves anyway: a snapshot cannot hold them, so must be 0. */
  readonly afterPresent: number;
}

/** Sorts acknowledged notes by the snapshot's window and checks each against what was restored. */
export function recoveryPoint(acked: readonly AckedNote[], snapshot: Pick<SimSnapshot, 'startedAt' | 'endedAt'>, restored: ReadonlySet<string>): RecoveryPoint {
  if (snapshot.endedAt < snapshot.startedAt) throw new Error(`a snapshot cannot end (${snapshot.endedAt}) before it starts (${snapshot.startedAt})`);
  const before = acked.filter((n) => n.ackedAt < snapshot.startedAt);
  const during = acked.filter((n) => n.ackedAt >= snapshot.startedAt && n.ackedAt <= snapshot.endedAt);
  const after = acked.filter((n) => n.ackedAt > snapshot.endedAt);
  return {
    before: before.length,
    missingBefore: before.filter((n) => !restored.has(n.id)).map((n) => n.id),
    during: during.length,
    duringPresent: during.filter((n) => restored.has(n.id)).length,
    after: after.length,
    afterPresent: after.filter((n) => restored.has(n.id)).length,
  };
}

/** The recovery point objective a snapshot schedule gives: a loss just before the next snapshot
 * loses everything written since the last one. None without backups. */
export function recoveryPointHours(backups: { readonly enabled: boolean; readonly everyHours: number }): number | undefined {
  return backups.enabled ? backups.everyHours : undefined;
}

/** Writers posting notes on `connections` closed loops until stopped; `acked` grows as 201s arrive. */
export interface Writers {
  readonly acked: readonly AckedNote[];
  /** Stops the loops, waits for the requests in flight; returns the failed count and the rate. */
  stop(): Promise<{ acked: readonly AckedNote[]; failed: number; seconds: number; perSecond: number }>;
}

export function startWriters(url: string, connections = 8): Writers {
  const acked: AckedNote[] = [];
  let failed = 0;
  let stopping = false;
  const t0 = Date.now();
  const loop = async (c: number) => {
    for (let i = 0; !stopping; i++) {
      try {
        const res = await fetch(`${url}/api/notes`, {
          method: 'POST', headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ title: `drill ${c}-${i}`, body: 'written under load' }), signal: AbortSignal.timeout(10_000),
        });
        const body = (await res.json()) as { id?: string };
        const ackedAt = Date.now();
        if (res.status === 201 && body.id) acked.push({ id: body.id, ackedAt });
        else failed++;
      } catch {
        failed++;
      }
    }
  };
  const loops = Array.from({ length: connections }, (_, c) => loop(c));
  return {
    acked,
    async stop() {
      stopping = true;
      await Promise.all(loops);
      const seconds = (Date.now() - t0) / 1000;
      return { acked, failed, seconds, perSecond: acked.length / seconds };
    },
  };
}

/** The notes a host serves, by id (GET /api/notes). */
export async function servedNoteIds(host: SimHost): Promise<Set<string>> {
  const res = await fetch(`${host.url}/api/notes`, { signal: AbortSignal.timeout(30_000) });
  if (res.status !== 200) throw new Error(`GET /api/notes on ${host.instanceId} answered ${res.status}`);
  return new Set(((await res.json()) as { notes: { id: string }[] }).notes.map((n) => n.id));
}

/**
 * A host of the stack booted on `volume` and serving: what `pulumi up` makes of a new stack, or of
 * berth:restoreSnapshotId (the release names the volume it waits for: the restored one). Throws with
 * the console's tail when the boot fails or the app does not answer /healthz 200.
 */
export async function bootServing(world: World, image: PushedImage, volume: SimVolume, apiKey: string): Promise<SimHost> {
  const release = { setup: simSetup(world, volume.volumeId), release: simRelease(world, image) };
  const host = await world.launchHost({ userData: simUserData(world), volume, ssmParameters: { ...simParameters(world, apiKey), ...releaseParameters(release) } });
  const boot = await host.waitForBoot({ timeoutMs: 240_000 });
  const health = boot.ok ? await fetch(`${host.url}${DEFAULT_APP.healthPath}`, { signal: AbortSignal.timeout(10_000) }).then((r) => r.status, () => 0) : 0;
  if (!boot.ok || health !== 200) {
    throw new Error(`host ${host.instanceId} on ${volume.volumeId} is not serving (boot ok: ${boot.ok}, /healthz ${health}): ${JSON.stringify(boot)}\n--- console ---\n${(await host.consoleLog()).slice(-6000)}`);
  }
  return host;
}

/** After a loss: a volume from the snapshot and a new host on it, serving; timed from the
 * CreateVolume to /healthz 200. */
export async function restoreFromSnapshot(world: World, snapshot: SimSnapshot, image: PushedImage, apiKey: string): Promise<{ host: SimHost; volume: SimVolume; seconds: number }> {
  const t0 = performance.now();
  const volume = await world.createVolumeFromSnapshot(snapshot);
  const host = await bootServing(world, image, volume, apiKey);
  return { host, volume, seconds: (performance.now() - t0) / 1000 };
}
