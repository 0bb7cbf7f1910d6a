// The restore drill's verdict (sim/restore-drill.ts): which acknowledged notes a restore must bring
// back, which it may, and which it cannot; and the recovery point a snapshot schedule gives.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKUPS } from '../../infra/config/schema.js';
import { type AckedNote, recoveryPoint, recoveryPointHours } from '../../sim/restore-drill.js';

const snapshot = { startedAt: 1_000, endedAt: 1_050 };
const acked: AckedNote[] = [
  { id: 'a', ackedAt: 900 },
  { id: 'b', ackedAt: 999 },
  { id: 'c', ackedAt: 1_000 },
  { id: 'd', ackedAt: 1_050 },
  { id: 'e', ackedAt: 1_051 },
  { id: 'f', ackedAt: 2_000 },
];

describe('recoveryPoint', () => {
  it('counts every note acknowledged before the snapshot was requested as one the restore must bring back', () => {
    const rp = recoveryPoint(acked, snapshot, new Set(['a', 'b']));
    expect(rp.before).toBe(2);
    expect(rp.missingBefore).toEqual([]);
  });

  it('names each such note the restored host does not serve', () => {
    expect(recoveryPoint(acked, snapshot, new Set(['a', 'c', 'd'])).missingBefore).toEqual(['b']);
  });

  it('lets notes acknowledged during the copy go either way, and counts the ones that came back', () => {
    const rp = recoveryPoint(acked, snapshot, new Set(['a', 'b', 'd']));
    expect([rp.during, rp.duringPresent]).toEqual([2, 1]);
  });

  it('counts notes acknowledged after the copy as the recovery point, and any of them restored as a fault', () => {
    expect(recoveryPoint(acked, snapshot, new Set(['a', 'b'])).after).toBe(2);
    expect(recoveryPoint(acked, snapshot, new Set(['a', 'b', 'f'])).afterPresent).toBe(1);
  });

  it('refuses a snapshot that ends before it starts', () => {
    expect(() => recoveryPoint(acked, { startedAt: 2, endedAt: 1 }, new Set())).toThrow(/cannot end \(1\) before it starts \(2\)/);
  });
});

describe('recoveryPointHours', () => {
  it('is the schedule interval: a loss just before the next snapshot loses that much', () => {
    expect(recoveryPointHours({ enabled: true, everyHours: 6 })).toBe(6);
    expect(recoveryPointHours(DEFAULT_BACKUPS)).toBe(DEFAULT_BACKUPS.everyHours);
  });

  it('is none without backups', () => {
    expect(recoveryPointHours({ ...DEFAULT_BACKUPS, enabled: false })).toBeUndefined();
  });
});
