// fleetRestoreOutcome (sim/fleet-restore-drill.ts) decides what the fleet restore drill reports:
// where each acknowledged note must be, by when it was sent and acknowledged against the snapshot's
// copy and the release that moved the hosts to the restored database.
import { describe, expect, it } from 'vitest';
import { type AckedWrite, fleetRestoreOutcome } from '../../sim/fleet-restore-drill.js';

const windows = { snapshot: { startedAt: 1000, endedAt: 1100 }, release: { startedAt: 2000, endedAt: 3000 } };
const w = (id: string, sentAt: number, ackedAt = sentAt + 5): AckedWrite => ({ id, sentAt, ackedAt });
const acked = [
  w('before', 900),
  w('copy-in', 1050), w('copy-out', 1095, 1110), // in flight during the copy: either way
  w('after', 1500),
  w('roll-old', 2100), w('roll-new', 2900),
  w('later', 3100),
];
const old = new Set(['before', 'copy-in', 'copy-out', 'after', 'roll-old']);
const restored = new Set(['before', 'copy-in', 'roll-new', 'later']);

describe('sorting a restore drill\'s acknowledged notes', () => {
  it('counts each phase and what the restore loses, with no breach when every note is where it must be', () => {
    expect(fleetRestoreOutcome(acked, windows, { old, restored })).toEqual({
      beforeSnapshot: 1, missingBeforeSnapshot: [],
      duringSnapshot: 2, duringSnapshotRestored: 1,
      afterSnapshot: 1, lostAfterSnapshot: 2,
      duringRelease: 2, duringReleaseOldOnly: 1,
      afterRelease: 1, afterReleaseNotRestored: [],
      impossible: [], nowhere: [], missingFromOld: [],
    });
  });

  it('names a note acknowledged before the snapshot that the restored database lacks', () => {
    const o = fleetRestoreOutcome(acked, windows, { old, restored: new Set([...restored].filter((id) => id !== 'before')) });
    expect(o.missingBeforeSnapshot).toEqual(['before']);
  });

  it('names a note sent after the copy that the restored database holds anyway, and one in both databases', () => {
    expect(fleetRestoreOutcome(acked, windows, { old, restored: new Set([...restored, 'after']) }).impossible).toEqual(['after']);
    expect(fleetRestoreOutcome(acked, windows, { old: new Set([...old, 'roll-new']), restored }).impossible).toEqual(['roll-new']);
    expect(fleetRestoreOutcome(acked, windows, { old: new Set([...old, 'later']), restored }).impossible).toEqual(['later']);
  });

  it('names a note written after the release that is not in the restored database, one in neither, one the old database lost', () => {
    const o = fleetRestoreOutcome(acked, windows, { old: new Set([...old].filter((id) => id !== 'after')), restored: new Set([...restored].filter((id) => id !== 'later')) });
    expect(o.afterReleaseNotRestored).toEqual(['later']);
    expect(o.nowhere).toEqual(['after', 'later']);
    expect(o.missingFromOld).toEqual(['after']);
  });

  it('refuses windows out of order', () => {
    expect(() => fleetRestoreOutcome(acked, { ...windows, snapshot: { startedAt: 1100, endedAt: 1000 } }, { old, restored })).toThrow(/snapshot cannot end/);
    expect(() => fleetRestoreOutcome(acked, { ...windows, release: { startedAt: 1050, endedAt: 3000 } }, { old, restored })).toThrow(/cannot start before the snapshot/);
  });
});
