// A fleet's database restored from a DB snapshot (berth:restoreDbSnapshot) under Pulumi's mocks, read
// as policy: the new database is made from the snapshot and nothing else; on a running stack it
// REPLACES the old one, which RDS keeps while it is protected, and the hosts move to the new one in a
// release; a snapshot that cannot be restored stops the program before anything is replaced; and
// removing the key afterwards leaves the restored database alone. What AWS holds and answers is the
// mocks' (test/support/pulumi-mocks.ts, aws-account.ts dbSnapshotLookup, aws-rules/rds.ts); what
// `pulumi up` does between two runs is test/support/plan.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import type { DbSnapshot } from '../support/aws-account.js';
import { type Applied, type Plan, apply, planFrom } from '../support/plan.js';
import { type World, plain } from '../support/pulumi-mocks.js';
import { exampleConfig } from '../support/stack-config.js';

const SECRET_KEYS = ['berth:registryToken'];
const fleet = (overrides: Record<string, string> = {}) => ({
  ...exampleConfig,
  'berth:registryToken': 'token-1',
  'berth:fleet': JSON.stringify({ min: 2, max: 4 }),
  ...overrides,
});
const RDS = 'aws:rds/instance:Instance';
const DB = 'berth-db';

const snapshot = (id: string, more: Partial<DbSnapshot> = {}): DbSnapshot => ({
  id, type: 'manual', engine: 'postgres', engineVersion: '17.4', encrypted: true, status: 'available', allocatedStorage: 20, instance: 'berth-db-1a2b3c4', ...more,
});
const GOOD = 'notes-prod-before-upgrade';
const AUTOMATED = 'rds:berth-db-1a2b3c4-2026-12-02-03-10';
const world: World = {
  dbSnapshots: [
    snapshot(GOOD),
    snapshot(AUTOMATED, { type: 'automated' }),
    snapshot('notes-unencrypted', { encrypted: false }),
    snapshot('notes-pg16', { engineVersion: '16.6' }),
    snapshot('notes-grown', { allocatedStorage: 50 }),
    snapshot('notes-copying', { status: 'creating' }),
    snapshot('mysql-orders', { engine: 'mysql', engineVersion: '8.0.39' }),
  ],
};
const restoreFrom = (id: string) => fleet({ 'berth:restoreDbSnapshot': id });
const dbOf = (a: Applied) => plain(a.run.mocks.one(RDS).inputs) as Record<string, any>;

let base: Applied;
let fresh: Applied;
let restore: Plan;
let afterwards: Plan;

beforeAll(async () => {
  base = await apply(fleet(), SECRET_KEYS, { world });
  fresh = await apply(restoreFrom(GOOD), SECRET_KEYS, { world });
  restore = await planFrom(base, restoreFrom(GOOD), SECRET_KEYS, { world });
  afterwards = await planFrom(restore, fleet(), SECRET_KEYS, { world });
}, 240_000);

describe('a database made from a snapshot', () => {
  it('is made from that snapshot, with its engine version, still encrypted, protected, backed up, its password RDS\'s', () => {
    const db = dbOf(fresh);
    expect(db.snapshotIdentifier).toBe(GOOD);
    // RDS restores the snapshot's version; berth names none (databaseSettings says why).
    expect(db).not.toHaveProperty('engineVersion');
    expect(fresh.run.mocks.one(RDS).state.engineVersionActual).toBe('17.4');
    expect(db).toMatchObject({ engine: 'postgres', storageEncrypted: true, deletionProtection: true, skipFinalSnapshot: false, manageMasterUserPassword: true, backupRetentionPeriod: 7 });
    expect(dbOf(base)).not.toHaveProperty('snapshotIdentifier');
  });

  it('looks the snapshot up first, as RDS names it: an automated one with its type', async () => {
    const lookups = fresh.run.mocks.calls.filter((c) => c.token === 'aws:rds/getSnapshot:getSnapshot');
    expect(lookups.map((c) => c.inputs)).toEqual([{ dbSnapshotIdentifier: GOOD, snapshotType: 'manual' }]);
    const automated = await apply(restoreFrom(AUTOMATED), SECRET_KEYS, { world });
    expect(dbOf(automated).snapshotIdentifier).toBe(AUTOMATED);
    expect(base.run.mocks.calls.some((c) => c.token === 'aws:rds/getSnapshot:getSnapshot')).toBe(false);
  });

  it('leaves a final snapshot of its own name, not the one the database it replaces will take', () => {
    const ours = dbOf(fresh).finalSnapshotIdentifier as string;
    const theirs = dbOf(base).finalSnapshotIdentifier as string;
    expect(ours).not.toBe(theirs);
    expect(ours).toMatch(/^[a-z](?:[a-z0-9]|-(?!-))*[a-z0-9]$/);
  });
});

describe('restoring a running fleet', () => {
  it('replaces the database: the restored one is made first, and the old one is deleted last', () => {
    expect(restore.step(DB)).toMatchObject({ op: 'replace', order: 'create-before-delete' });
    expect(restore.step(DB).replaceKeys).toContain('snapshotIdentifier');
  });

  it('RDS refuses to delete the old database while it is protected: it stays, and so does its data', () => {
    expect(restore.step(DB).deleteRefused).toMatch(/Cannot delete protected DB Instance/);
    expect(restore.step(DB).before).toMatchObject({ deletionProtection: true });
  });

  it('the hosts move to the restored database in a release; the hosts themselves stay', () => {
    const newSecret = (restore.run.mocks.one(RDS).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    const oldSecret = (base.run.mocks.one(RDS).state.masterUserSecrets as { secretArn: string }[])[0]!.secretArn;
    expect(newSecret).not.toBe(oldSecret);
    // The hosts' role may read the new database's secret, and no longer the old one's.
    expect(restore.op('berth-read-db-secret')).toBe('update');
    const policy = restore.step('berth-read-db-secret').inputs.policy as string;
    expect(policy).toContain(newSecret);
    expect(policy).not.toContain(oldSecret);
    const changed = Object.keys(restore.changes());
    expect(changed.some((name) => /^berth-release/.test(name))).toBe(true);
    // A new release id, though the image is the same: the hosts swap their containers onto the new
    // database rather than report the release "already serving" (infra/release/bundle.ts, hostRelease).
    expect(restore.run.outputs.releaseId!.value).not.toBe(base.run.outputs.releaseId!.value);
    expect(restore.run.outputs.imageDigest!.value).toBe(base.run.outputs.imageDigest!.value);
    for (const name of ['berth-hosts', 'berth-launch-template', 'berth-alb', 'berth-tg', 'berth-db-subnets', 'berth-db-sg']) expect(changed, name).not.toContain(name);
  });

  it('removing the key afterwards changes nothing: the restored database stays as it is', () => {
    expect(afterwards.op(DB)).toBe('same');
    expect(Object.keys(afterwards.changes())).toEqual([]);
  });

  it('naming another snapshot later restores again, from that one', async () => {
    const again = await planFrom(restore, restoreFrom(AUTOMATED), SECRET_KEYS, { world });
    expect(again.step(DB)).toMatchObject({ op: 'replace', inputs: { snapshotIdentifier: AUTOMATED } });
    expect(again.step(DB).inputs.finalSnapshotIdentifier).not.toBe(restore.step(DB).inputs.finalSnapshotIdentifier);
  });
});

describe('a snapshot that cannot be restored stops the program before the database is replaced', () => {
  it.each([
    ['notes-unencrypted', 'is not encrypted'],
    ['notes-pg16', 'is PostgreSQL 16.6; berth runs PostgreSQL 17'],
    ['notes-grown', 'holds 50 GiB and berth:database.storageGiB is 20'],
    ['notes-copying', 'is creating, not available'],
    ['mysql-orders', 'is a mysql snapshot'],
    ['notes-never-taken', 'berth:restoreDbSnapshot: notes-never-taken could not be looked up in this account and region'],
  ])('%s', async (id, message) => {
    const failed = planFrom(base, restoreFrom(id), SECRET_KEYS, { world });
    await expect(failed).rejects.toThrow(message);
    // Whatever the engine had registered by then, the database was not among it.
    const registered = await failed.then(() => [] as { type: string }[], (e: { registered?: { type: string }[] }) => e.registered ?? []);
    expect(registered.length).toBeGreaterThan(0);
    expect(registered.map((r) => r.type)).not.toContain(RDS);
  });

  it('each refusal names the key and the way out', async () => {
    await expect(apply(restoreFrom('notes-grown'), SECRET_KEYS, { world })).rejects.toThrow(
      'berth:restoreDbSnapshot: notes-grown holds 50 GiB and berth:database.storageGiB is 20; storage cannot shrink: pulumi config set --path berth:database.storageGiB 50',
    );
  });
});
