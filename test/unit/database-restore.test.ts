// The decisions a restore of the fleet's database takes, as policy and without mocks
// (infra/components/database.ts): which snapshot RDS can restore into berth's database, how it is
// looked up, and the final snapshot a restored database takes of its own.
import { describe, expect, it } from 'vitest';
import { POSTGRES_MAJOR, type SnapshotFacts, databaseSettings, finalSnapshotIdentifier, snapshotLookup, snapshotRestoreProblems } from '../../infra/components/database.js';
import { DEFAULT_DATABASE } from '../../infra/config/schema.js';

const facts = (more: Partial<SnapshotFacts> = {}): SnapshotFacts => ({ engine: 'postgres', engineVersion: `${POSTGRES_MAJOR}.4`, encrypted: true, status: 'available', allocatedStorage: 20, ...more });
/** CreateDBSnapshot DBSnapshotIdentifier's rules (the RDS API Reference). */
const isSnapshotIdentifier = (id: string) => id.length <= 255 && /^[a-z][a-z0-9-]*$/.test(id) && !id.includes('--') && !id.endsWith('-');

describe('which snapshots berth restores', () => {
  it('an available, encrypted PostgreSQL 17 snapshot no larger than the database', () => {
    expect(snapshotRestoreProblems('s', facts(), DEFAULT_DATABASE)).toEqual([]);
    expect(snapshotRestoreProblems('s', facts({ allocatedStorage: DEFAULT_DATABASE.storageGiB }), DEFAULT_DATABASE)).toEqual([]);
  });

  it.each([
    [{ engine: 'mysql', engineVersion: '8.0.39' }, 'is a mysql snapshot'],
    [{ engineVersion: '16.6' }, 'is PostgreSQL 16.6; berth runs PostgreSQL 17: upgrade the snapshot first'],
    [{ encrypted: false }, 'is not encrypted, and berth\'s database is: copy it encrypted first'],
    [{ status: 'creating' }, 'is creating, not available'],
    [{ allocatedStorage: DEFAULT_DATABASE.storageGiB + 1 }, `storage cannot shrink: pulumi config set --path berth:database.storageGiB ${DEFAULT_DATABASE.storageGiB + 1}`],
  ])('refuses %j, naming the key', (more, message) => {
    const problems = snapshotRestoreProblems('notes-x', facts(more), DEFAULT_DATABASE);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^berth:restoreDbSnapshot: notes-x /);
    expect(problems[0]).toContain(message);
  });
});

describe('the lookup', () => {
  it('asks for an automated snapshot by its type, and a shared one among the shared', () => {
    expect(snapshotLookup('notes-before')).toEqual({ dbSnapshotIdentifier: 'notes-before', snapshotType: 'manual' });
    expect(snapshotLookup('rds:berth-db-1-2026-12-02-03-10')).toMatchObject({ snapshotType: 'automated' });
    expect(snapshotLookup('arn:aws:rds:us-east-1:210987654321:snapshot:notes')).toMatchObject({ snapshotType: 'shared', includeShared: true });
  });
});

describe('the instance a restore makes', () => {
  it('names the snapshot and no engine version; without a restore, PostgreSQL 17 and no snapshot', () => {
    expect(databaseSettings(DEFAULT_DATABASE, 'notes-before')).toMatchObject({ snapshotIdentifier: 'notes-before' });
    expect(databaseSettings(DEFAULT_DATABASE, 'notes-before')).not.toHaveProperty('engineVersion');
    expect(databaseSettings(DEFAULT_DATABASE)).toMatchObject({ engineVersion: POSTGRES_MAJOR });
    expect(databaseSettings(DEFAULT_DATABASE)).not.toHaveProperty('snapshotIdentifier');
  });

  it('takes a final snapshot of its own: one name per restore source, each a valid identifier', () => {
    const names = [undefined, 'notes-before', 'rds:berth-db-1-2026-12-02-03-10', 'arn:aws:rds:us-east-1:210987654321:snapshot:notes'].map((from) => finalSnapshotIdentifier('berth', 'prod', from));
    expect(new Set(names).size).toBe(names.length);
    for (const name of names) expect(isSnapshotIdentifier(name), name).toBe(true);
    const long = finalSnapshotIdentifier('p'.repeat(200), 's'.repeat(100), 'notes-before');
    expect(long.length).toBeLessThanOrEqual(255);
    expect(isSnapshotIdentifier(long)).toBe(true);
    expect(finalSnapshotIdentifier('berth', 'prod', 'notes-before')).toBe(finalSnapshotIdentifier('berth', 'prod', 'notes-before'));
  });
});
