// The restore drill on the simulated world (sim/restore-drill.ts): a host serving the notes app on
// its data volume; notes acknowledged through its published port; a snapshot of the volume taken
// as EBS takes one, while the host runs and nothing syncs or freezes on its behalf; more notes;
// then the host is lost and a NEW host, booted from the same user-data, comes up on a volume
// created from the snapshot. Every note acknowledged before the snapshot must be there; those
// acknowledged after it are what the restore loses (the recovery point). Once with the writes
// stopped before the snapshot, once under load right up to it and through it.
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT } from '../../infra/release/release.js';
import { api } from '../support/http.js';
import { check, run } from '../../ops/run.js';
import { type AckedNote, bootServing, recoveryPoint, restoreFromSnapshot, servedNoteIds, startWriters } from '../../sim/restore-drill.js';
import { type PushedImage, type SimHost, type World, createWorld } from '../../sim/world.js';

/** A file on the data volume beside the notes, written without an fsync. */
const UNSYNCED = `${HOST_LAYOUT.mount}/restore-drill-unsynced`;
const API_KEY = `sim-secret-${Math.random().toString(36).slice(2)}`;

let world: World;
let image: PushedImage;
/** The host serving now: the first one, then each restored one. */
let host: SimHost;

async function writeNotes(h: SimHost, count: number, label: string): Promise<AckedNote[]> {
  const acked: AckedNote[] = [];
  for (let i = 0; i < count; i++) {
    const created = await api(h.url, 'POST', '/api/notes', { title: `${label} ${i}`, body: 'kept?' });
    expect(created.status).toBe(201);
    acked.push({ id: created.body.id, ackedAt: Date.now() });
  }
  return acked;
}

/** A file's content in a snapshot, read on this machine from a copy of it (ext4's journal replayed
 * by e2fsck, then debugfs), or '' when the file is not there. */
async function readFromSnapshot(snapshotFile: string, hostPath: string): Promise<string> {
  const copy = `${snapshotFile}.read`;
  try {
    await check(['cp', '--sparse=always', snapshotFile, copy]);
    await run(['e2fsck', '-fy', copy]);
    const r = await run(['debugfs', '-R', `cat /${path.relative(HOST_LAYOUT.mount, hostPath)}`, copy]);
    return r.code === 0 ? r.stdout : '';
  } finally {
    await rm(copy, { force: true });
  }
}

const say = (line: string) => process.stdout.write(`restore drill: ${line}\n`);

beforeAll(async () => {
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  image = await world.pushImage(inject('appImage'), 'berth/notes');
  host = await bootServing(world, image, await world.createVolume('vol-0c1d2e3f4a5b60789', 256), API_KEY);
}, 900_000);

afterAll(async () => {
  await world?.close();
});

describe('a snapshot of the data volume, restored on a new host', () => {
  it('brings back every note acknowledged before the snapshot, and none written after it', async () => {
    const before = await writeNotes(host, 20, 'before');
    // A write that was never fsynced, just before the snapshot: it is in the host's page cache, not
    // yet on the device (ext4 writes it back after about 30 s), so as on EBS the snapshot lacks it.
    // It shows the world takes what is on the device and syncs nothing on the host's behalf.
    await host.check(['sh', '-c', `printf unsynced > ${UNSYNCED}`]);
    const snapshot = await world.createSnapshot(host.volume!);
    // The control: after a sync on the host (what only the host may do), a second snapshot has it.
    await host.check(['sync']);
    const synced = await world.createSnapshot(host.volume!);
    expect(await readFromSnapshot(synced.file, UNSYNCED)).toBe('unsynced');
    expect(await readFromSnapshot(snapshot.file, UNSYNCED)).not.toBe('unsynced');
    const after = await writeNotes(host, 5, 'after');
    // The loss: the host goes; the user boots a new one from the snapshot.
    await host.terminate();
    const restored = await restoreFromSnapshot(world, snapshot, image, API_KEY);
    host = restored.host;
    expect(restored.volume.volumeId).not.toBe(snapshot.volumeId);
    const log = await host.consoleLog();
    expect(log).not.toContain('is blank; formatting it');
    const rp = recoveryPoint([...before, ...after], snapshot, await servedNoteIds(host));
    say(`quiet: ${rp.before - rp.missingBefore.length} of ${rp.before} notes acknowledged before the snapshot are back; ${rp.after - rp.afterPresent} of ${rp.after} written after it are not (the recovery point); copy ${Math.round(snapshot.copyMs)} ms, restore ${restored.seconds.toFixed(1)} s`);
    expect(rp.before).toBe(20);
    expect(rp.missingBefore).toEqual([]);
    expect(rp.after + rp.during).toBe(5);
    expect(rp.afterPresent + rp.duringPresent).toBe(0);
    expect((await host.exec(['cat', UNSYNCED])).stdout).not.toBe('unsynced');
    // The restored notes are whole, not just listed.
    expect((await api(host.url, 'GET', `/api/notes/${before[7]!.id}`)).body.title).toBe('before 7');
  });

  it('under load right up to the snapshot: every note acknowledged before it is back (each was fsynced before its 201)', async () => {
    const writers = startWriters(host.url, 8);
    // Enough writes in flight and behind that the snapshot lands mid-stream, not in a lull.
    await new Promise((r) => setTimeout(r, 3000));
    const snapshot = await world.createSnapshot(host.volume!);
    await new Promise((r) => setTimeout(r, 1500));
    const load = await writers.stop();
    expect(load.failed).toBe(0);
    await host.terminate();
    const restored = await restoreFromSnapshot(world, snapshot, image, API_KEY);
    host = restored.host;
    const served = await servedNoteIds(host);
    const rp = recoveryPoint(load.acked, snapshot, served);
    say(`under load (${Math.round(load.perSecond)} acknowledged writes/s, ${load.failed} failed): ${rp.missingBefore.length} of ${rp.before} acknowledged before the snapshot missing; ${rp.duringPresent} of ${rp.during} acknowledged during its ${Math.round(snapshot.copyMs)} ms copy are there; ${rp.after - rp.afterPresent} of ${rp.after} after it are not (the recovery point)`);
    expect(rp.before).toBeGreaterThan(100);
    expect(rp.after).toBeGreaterThan(0);
    expect(rp.missingBefore).toEqual([]);
    expect(rp.afterPresent).toBe(0);
    // The old stack's notes from the first drill came through the second restore too.
    expect(served.size).toBeGreaterThanOrEqual(20 + rp.before);
  });
});
