// The restore part of npm run bench, on the simulated world (sim/restore-drill.ts, the helpers
// test/e2e/restore.test.ts uses): a host serving the notes app on its data volume, writers posting
// notes on 8 connections, a snapshot of the volume taken under that load (as EBS takes one: while
// the host runs, nothing synced or frozen on its behalf), the writers stopped a little later, the
// host lost, and a new host booted from the same user-data on a volume created from the snapshot.
// Timed: that restore, CreateVolume to /healthz 200. Checked: every note acknowledged before the
// snapshot is served by the new host. And the recovery point the default schedule gives.
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { DEFAULT_BACKUPS } from '../infra/config/schema.js';
import { bootServing, recoveryPoint, recoveryPointHours, restoreFromSnapshot, servedNoteIds, startWriters } from '../sim/restore-drill.js';
import { type World, createWorld } from '../sim/world.js';

type Record = (key: string, value: number, note: string) => void;

const round = (x: number) => Math.round(x * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchRestore(appImage: string, record: Record): Promise<void> {
  let world: World | undefined;
  try {
    world = await createWorld();
    await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
    const image = await world.pushImage(appImage, 'berth/notes');
    const apiKey = 'bench-secret';
    const host = await bootServing(world, image, await world.createVolume('vol-0ddddddddddddddd0', 256), apiKey);

    const writers = startWriters(host.url, 8);
    await sleep(5000);
    const snapshot = await world.createSnapshot(host.volume!);
    await sleep(2000);
    const load = await writers.stop();
    await host.terminate();
    const restored = await restoreFromSnapshot(world, snapshot, image, apiKey);
    const rp = recoveryPoint(load.acked, snapshot, await servedNoteIds(restored.host));
    if (rp.afterPresent > 0) throw new Error(`bench: ${rp.afterPresent} notes acknowledged after the snapshot came back from it`);

    const rate = `${Math.round(load.perSecond)} acknowledged writes/s on 8 connections, ${load.failed} failed`;
    record('snapshot_copy_ms', Math.round(snapshot.copyMs), `the simulated CreateSnapshot: cp --sparse of the ${snapshot.volumeSizeMiB} MiB volume's backing file while the host writes (EBS fixes the content at the request; this copy is not atomic)`);
    record('restore_s', round(restored.seconds), 'a new host from a snapshot to serving: CreateVolume from it, boot the same user-data, mount (no mkfs), pull, health gate → /healthz 200');
    record('restore_missing_notes', rp.missingBefore.length, `notes acknowledged (201) before the snapshot and missing after the restore, of ${rp.before} checked, written at ${rate} (target 0)`);
    record('restore_lost_after_snapshot_notes', rp.after - rp.afterPresent, `notes acknowledged after the snapshot's copy, not in it (the recovery point, in notes, over ${round((load.acked.at(-1)!.ackedAt - snapshot.endedAt) / 1000)} s); of ${rp.during} acknowledged during the copy, ${rp.duringPresent} are in it`);
    const rpo = recoveryPointHours(DEFAULT_BACKUPS);
    if (rpo !== undefined) record('restore_rpo_h', rpo, `recovery point objective of the default schedule (berth:backups everyHours ${DEFAULT_BACKUPS.everyHours}, kept ${DEFAULT_BACKUPS.retainDays} days): a loss just before the next snapshot loses up to this much`);
  } finally {
    await world?.close();
  }
}
