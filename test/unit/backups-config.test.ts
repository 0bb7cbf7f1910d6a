// berth:backups, berth:restoreSnapshotId and berth:restoreDbSnapshot, as policy: the defaults come from the one table, DLM's
// and RDS's limits are refused with one line naming the key path and the fix, and in fleet mode the
// database keeps one retention, whichever key names it.
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKUPS, DLM_INTERVAL_HOURS, DEFAULT_DATABASE } from '../../infra/config/schema.js';
import { validateBackupsSpec } from '../../infra/config/backups.js';
import { validateDeployConfig } from '../../infra/config/validate.js';
import { configProblems, rawConfig } from '../support/stack-config.js';

const single: Record<string, string> = {
  'aws:region': 'us-east-1',
  'berth:image': 'youruser/berth-notes',
  'berth:registryUsername': 'youruser',
  'berth:registryToken': 'token',
};
const fleet = { ...single, 'berth:fleet': JSON.stringify({ min: 2, max: 4 }) };
const raw = rawConfig;
const problemsOf = configProblems;
const backupsOf = (value: unknown, fleetMode = false) => validateBackupsSpec(JSON.stringify(value), fleetMode);

describe('berth:backups', () => {
  it('unset: a snapshot every 24 hours, kept 7 days, on (the defaults table)', () => {
    expect(validateDeployConfig(raw(single)).backups).toEqual(DEFAULT_BACKUPS);
    expect(DEFAULT_BACKUPS).toEqual({ enabled: true, everyHours: 24, retainDays: 7 });
  });

  it('takes every interval DLM takes, and numbers and booleans as strings (--path)', () => {
    for (const hours of DLM_INTERVAL_HOURS) expect(backupsOf({ everyHours: hours }).backups.everyHours).toBe(hours);
    expect(backupsOf({ everyHours: '6', retainDays: '30', enabled: 'true' })).toMatchObject({ backups: { everyHours: 6, retainDays: 30, enabled: true }, problems: [] });
    expect(backupsOf({ enabled: false }).backups.enabled).toBe(false);
  });

  it.each([
    [{ everyHours: 5 }, /^berth:backups\.everyHours: must be one of the intervals Data Lifecycle Manager takes, in hours: 1, 2, 3, 4, 6, 8, 12, 24; got "5"$/],
    [{ everyHours: 48 }, /^berth:backups\.everyHours: .*got "48"$/],
    [{ retainDays: 0 }, /^berth:backups\.retainDays: must be a whole number of days from 1 to 36500 .*set berth:backups\.enabled false/],
    [{ retainDays: 36501 }, /^berth:backups\.retainDays: must be a whole number of days from 1 to 36500/],
    [{ retainDays: 'a week' }, /^berth:backups\.retainDays: .*got "a week"$/],
    [{ enabled: 'yes' }, /^berth:backups\.enabled: must be true or false; got "yes"$/],
    [{ enabled: false, retainDays: 3 }, /^berth:backups\.retainDays: does not apply with berth:backups\.enabled false/],
    [{ retainDay: 3 }, /^berth:backups\.retainDay: unknown key; did you mean berth:backups\.retainDays\? \(pulumi config rm --path berth:backups\.retainDay\)$/],
    [{ everyhour: 3 }, /^berth:backups\.everyhour: unknown key; did you mean berth:backups\.everyHours\?/],
  ])('refuses %j on a single host, naming the key path', (value, problem) => {
    const { problems } = backupsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('refuses what is not an object, and a key set without --path', () => {
    expect(problemsOf({ ...single, 'berth:backups': '7' })[0]).toMatch(/^berth:backups: must be an object of settings, set one at a time: pulumi config set --path berth:backups\.retainDays 14/);
    expect(problemsOf({ ...single, 'berth:backups.retainDays': '7' })[0]).toMatch(/^berth:backups\.retainDays: set without --path/);
  });
});

describe('berth:restoreSnapshotId', () => {
  it('takes an EBS snapshot id, of 17 hex digits or the older 8', () => {
    expect(validateDeployConfig(raw({ ...single, 'berth:restoreSnapshotId': 'snap-0123456789abcdef0' })).restoreSnapshotId).toBe('snap-0123456789abcdef0');
    expect(validateDeployConfig(raw({ ...single, 'berth:restoreSnapshotId': 'snap-89abcdef' })).restoreSnapshotId).toBe('snap-89abcdef');
    expect(validateDeployConfig(raw(single)).restoreSnapshotId).toBeUndefined();
  });

  it.each(['vol-0123456789abcdef0', 'snap-0123456789ABCDEF0', 'snap-0123', 'snap-0123456789abcdef01', 'ami-12345678'])('refuses %s, naming the key', (value) => {
    expect(problemsOf({ ...single, 'berth:restoreSnapshotId': value })).toEqual([
      `berth:restoreSnapshotId: must be an EBS snapshot id such as snap-0123456789abcdef0; got "${value}"`,
    ]);
  });

  it('is refused in fleet mode, where the data is in the database', () => {
    expect(problemsOf({ ...fleet, 'berth:restoreSnapshotId': 'snap-0123456789abcdef0' })).toEqual([expect.stringMatching(/^berth:restoreSnapshotId: only applies to a single host/)]);
  });
});

describe('berth:restoreDbSnapshot', () => {
  it.each([
    'notes-prod-before-upgrade',
    'rds:berth-db-1a2b3c4-2026-12-02-03-10',
    'arn:aws:rds:us-east-1:210987654321:snapshot:notes-shared',
    'a'.repeat(255),
  ])('takes %s in fleet mode', (value) => {
    expect(validateDeployConfig(raw({ ...fleet, 'berth:restoreDbSnapshot': value })).restoreDbSnapshot).toBe(value);
  });

  it('is unset by default', () => {
    expect(validateDeployConfig(raw(fleet)).restoreDbSnapshot).toBeUndefined();
  });

  it.each(['1notes', 'notes--before', 'notes-', 'notes_before', 'snap-0123456789abcdef0 extra', 'a'.repeat(256), 'arn:aws:rds:us-east-1:210987654321:db:notes'])('refuses %s, naming the key and how to list the snapshots', (value) => {
    const problems = problemsOf({ ...fleet, 'berth:restoreDbSnapshot': value });
    expect(problems).toEqual([expect.stringMatching(/^berth:restoreDbSnapshot: must be a DB snapshot of the stack's database: its identifier .*; list them: aws rds describe-db-snapshots --query 'DBSnapshots\[\]\.DBSnapshotIdentifier'; got "/)]);
    // The value is shown (quote() shortens a long one).
    expect(problems[0]).toContain(`got "${value.slice(0, 40)}`);
  });

  it('refuses upper case, which RDS would not find as written, and says the lower-case name', () => {
    expect(problemsOf({ ...fleet, 'berth:restoreDbSnapshot': 'Notes-Before' })).toEqual(['berth:restoreDbSnapshot: RDS keeps snapshot identifiers in lower case: set "notes-before"; got "Notes-Before"']);
  });

  it('is refused on a single host, which restores its volume instead, and on a fleet without a database', () => {
    expect(problemsOf({ ...single, 'berth:restoreDbSnapshot': 'notes-before' })).toEqual([expect.stringMatching(/^berth:restoreDbSnapshot: only applies in fleet mode .*berth:restoreSnapshotId/)]);
    expect(problemsOf({ ...fleet, 'berth:database': JSON.stringify({ engine: 'none' }), 'berth:restoreDbSnapshot': 'notes-before' })).toEqual([
      expect.stringMatching(/^berth:restoreDbSnapshot: berth:database.engine is none, so there is no database to restore/),
    ]);
  });
});

describe('berth:backups in fleet mode: one retention for the database', () => {
  const withBackups = (backups: unknown, database?: unknown) => ({
    ...fleet,
    'berth:backups': JSON.stringify(backups),
    ...(database ? { 'berth:database': JSON.stringify(database) } : {}),
  });

  it('unset: the database keeps its default retention', () => {
    expect(validateDeployConfig(raw(fleet)).database?.backupDays).toBe(DEFAULT_DATABASE.backupDays);
  });

  it('retainDays sets the database\'s automated backup retention; enabled false turns them off (0)', () => {
    expect(validateDeployConfig(raw(withBackups({ retainDays: 21 }))).database?.backupDays).toBe(21);
    expect(validateDeployConfig(raw(withBackups({ enabled: false }))).database?.backupDays).toBe(0);
  });

  it('berth:database.backupDays alone still sets it; both agreeing is fine', () => {
    expect(validateDeployConfig(raw({ ...fleet, 'berth:database': JSON.stringify({ backupDays: 14 }) })).database?.backupDays).toBe(14);
    expect(validateDeployConfig(raw(withBackups({ retainDays: 14 }, { backupDays: 14 }))).database?.backupDays).toBe(14);
  });

  it('refuses the two keys set to different retentions, naming both and the fix', () => {
    expect(problemsOf(withBackups({ retainDays: 21 }, { backupDays: 14 }))).toEqual([
      'berth:database.backupDays: 14 contradicts berth:backups.retainDays (21); the database keeps one retention, set by berth:backups: remove the other: pulumi config rm --path berth:database.backupDays',
    ]);
    expect(problemsOf(withBackups({ enabled: false }, { backupDays: 14 }))[0]).toMatch(/^berth:database\.backupDays: 14 contradicts berth:backups\.enabled false \(0 days\)/);
  });

  it('refuses what RDS refuses (over 35 days) and a schedule RDS does not take', () => {
    expect(problemsOf(withBackups({ retainDays: 36 }))[0]).toMatch(/^berth:backups\.retainDays: must be a whole number of days from 1 to 35 \(RDS keeps automated backups at most 35 days\)/);
    expect(problemsOf(withBackups({ everyHours: 12 }))[0]).toMatch(/^berth:backups\.everyHours: only applies to a single host/);
  });

  it('refuses backups of a fleet that keeps no data', () => {
    expect(problemsOf(withBackups({ retainDays: 3 }, { engine: 'none' }))[0]).toMatch(/^berth:backups: a fleet with berth:database\.engine none keeps no data to back up/);
  });
});
