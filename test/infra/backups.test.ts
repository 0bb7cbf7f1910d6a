// A single host's backups and restore under Pulumi's mocks, read as policy: the program's DLM
// policy targets the tag its data volume carries, on the configured schedule, with its own role;
// `enabled: false` makes none; the volume leaves a final snapshot when deleted; a restore id makes
// the volume from that snapshot, which on a running stack REPLACES it (test/support/plan.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { type Applied, type Plan, apply, planFrom } from '../support/plan.js';
import { type Registered, plain } from '../support/pulumi-mocks.js';
import { dlmRolePolicy } from '../../infra/aws/dlm.js';
import { parseBackupTarget } from '../../ops/host/backup.js';
import { exampleConfig } from '../support/stack-config.js';

const SECRET_KEYS = ['berth:registryToken'];
const stack = (overrides: Record<string, string> = {}) => ({ ...exampleConfig, 'berth:registryToken': 'token-1', ...overrides });
const SNAPSHOT = 'snap-0123456789abcdef0';

const inputs = (r: Registered) => plain(r.inputs) as Record<string, any>;
const named = (a: Applied, type: string, name: string) => a.run.mocks.resources.find((r) => r.type === type && r.name === name);
const POLICY = 'aws:dlm/lifecyclePolicy:LifecyclePolicy';
const VOLUME = 'aws:ebs/volume:Volume';

let base: Applied;
let sixHourly: Applied;
let off: Applied;
let restored: Applied;
let restore: Plan;

beforeAll(async () => {
  base = await apply(stack(), SECRET_KEYS);
  sixHourly = await apply(stack({ 'berth:backups': JSON.stringify({ everyHours: 6, retainDays: 14 }) }), SECRET_KEYS);
  off = await apply(stack({ 'berth:backups': JSON.stringify({ enabled: false }) }), SECRET_KEYS);
  restored = await apply(stack({ 'berth:restoreSnapshotId': SNAPSHOT }), SECRET_KEYS);
  restore = await planFrom(base, stack({ 'berth:restoreSnapshotId': SNAPSHOT }), SECRET_KEYS);
}, 180_000);

describe('backups of the single host', () => {
  it('the lifecycle policy snapshots only this stack\'s data volume: the tag it targets is on that volume, and on nothing else', () => {
    const policy = inputs(base.run.mocks.one(POLICY));
    const targets = policy.policyDetails.targetTags as Record<string, string>;
    expect(targets).toEqual({ 'berth:backup': 'dev' });
    expect(policy.policyDetails.resourceTypes).toEqual(['VOLUME']);
    const carrying = base.run.mocks.resources.filter((r) => Object.entries(targets).every(([k, v]) => inputs(r).tags?.[k] === v));
    expect(carrying.map((r) => `${r.type} ${r.name}`)).toEqual([`${VOLUME} berth-data`]);
  });

  it('snapshots on the configured schedule and keeps them as long as configured (defaults: every 24 hours, 7 days)', () => {
    const rule = (a: Applied) => inputs(a.run.mocks.one(POLICY)).policyDetails.schedules[0];
    expect(rule(base)).toMatchObject({ createRule: { interval: 24, intervalUnit: 'HOURS' }, retainRule: { interval: 7, intervalUnit: 'DAYS' }, copyTags: true });
    expect(rule(sixHourly)).toMatchObject({ createRule: { interval: 6 }, retainRule: { interval: 14 } });
    expect(inputs(base.run.mocks.one(POLICY)).state).toBe('ENABLED');
  });

  it('runs as its own role, trusted by DLM alone, with the least-privilege snapshot policy and nothing attached', () => {
    const role = named(base, 'aws:iam/role:Role', 'berth-role-dlm')!;
    expect(inputs(base.run.mocks.one(POLICY)).executionRoleArn).toBe(role.state.arn);
    expect(JSON.parse(inputs(role).assumeRolePolicy).Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'dlm.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
    const own = base.run.mocks.ofType('aws:iam/rolePolicy:RolePolicy').filter((p) => inputs(p).role === role.state.name);
    expect(own).toHaveLength(1);
    expect(JSON.parse(inputs(own[0]!).policy)).toEqual(dlmRolePolicy('aws', 'dev'));
    expect(base.run.mocks.ofType('aws:iam/rolePolicyAttachment:RolePolicyAttachment').filter((a) => inputs(a).role === role.state.name)).toEqual([]);
  });

  it('enabled: false makes no policy and no DLM role; the volume keeps its tag and its final snapshot', () => {
    expect(off.run.mocks.ofType(POLICY)).toEqual([]);
    expect(named(off, 'aws:iam/role:Role', 'berth-role-dlm')).toBeUndefined();
    expect(inputs(off.run.mocks.one(VOLUME)).tags['berth:backup']).toBe('dev');
    expect(inputs(off.run.mocks.one(VOLUME)).finalSnapshot).toBe(true);
  });

  it('pulumi destroy leaves a final snapshot of the data volume (the provider snapshots before it deletes)', () => {
    expect(inputs(base.run.mocks.one(VOLUME)).finalSnapshot).toBe(true);
  });

  it('the outputs are what npm run host:backup reads: the data volume, and the tags DLM\'s snapshots of it carry', () => {
    const printed = JSON.stringify(Object.fromEntries(Object.entries(base.run.outputs).map(([k, v]) => [k, v.value])));
    const volume = base.run.mocks.one(VOLUME);
    expect(parseBackupTarget(printed)).toEqual({ volumeId: volume.id, region: 'us-east-1', tags: inputs(volume).tags });
  });

  it('turning backups on for a running stack only adds the policy, its role and its rights', async () => {
    const on = await planFrom(off, stack(), SECRET_KEYS);
    expect(on.changes()).toEqual({ 'berth-backups': 'create', 'berth-role-dlm': 'create', 'berth-dlm-snapshots': 'create' });
  });
});

describe('restore from a snapshot', () => {
  it('a restore id makes the volume from that snapshot, encrypted, in the same place', () => {
    const volume = inputs(restored.run.mocks.one(VOLUME));
    expect(volume.snapshotId).toBe(SNAPSHOT);
    expect(volume.encrypted).toBe(true);
    expect(inputs(base.run.mocks.one(VOLUME))).not.toHaveProperty('snapshotId');
  });

  it('a restore id on a running stack REPLACES the data volume (snapshotId is ForceNew), and with it the host, its attachment and address', () => {
    expect(restore.step('berth-data')).toMatchObject({ op: 'replace', replaceKeys: ['snapshotId'] });
    // The new volume is made first; the old one is deleted last, after its final snapshot.
    expect(restore.step('berth-data').order).toBe('create-before-delete');
    // A detach stops the old host, which nothing would start again: a new host takes the new volume.
    expect(restore.step('berth-instance').replaceKeys).toEqual(['(replaceWith berth-data)']);
    expect(restore.step('berth-data-attachment')).toMatchObject({ op: 'replace', order: 'delete-before-replace' });
    // What else changes: the address moves to the new host, and a release names the new volume.
    const others = Object.keys(restore.changes()).filter((name) => !['berth-data', 'berth-instance', 'berth-data-attachment', 'berth-ip'].includes(name));
    expect(others.length).toBeGreaterThan(0);
    for (const name of others) expect(name).toMatch(/^berth-release(-part-\d+|-manifest|-gate)?$/);
    expect(restore.op('berth-role')).toBe('same');
    expect(restore.op('berth-backups')).toBe('same');
  });

  it('removing the restore id afterwards leaves the restored volume, and the host, as they are', async () => {
    const afterwards = await planFrom(restore, stack(), SECRET_KEYS);
    expect(afterwards.op('berth-data')).toBe('same');
    expect(afterwards.op('berth-instance')).toBe('same');
    expect(afterwards.changes()).toEqual({});
  });
});
