// A single host's backups, decided as plain data (infra/aws/dlm.ts), read as policy: the lifecycle
// policy targets this stack's data volume alone, on the configured schedule and retention, and the
// role DLM acts with can do only what those snapshots need, inside the CI-made permissions boundary.
// The requests are judged by the IAM evaluator of test/support/iam-policy.ts.
import { describe, expect, it } from 'vitest';
import { backupTags, dlmDescription, dlmPolicyDetails, dlmRolePolicy, dlmTrustPolicy } from '../../infra/aws/dlm.js';
import { BACKUP_TAG } from '../../infra/aws/names.js';
import { DEFAULT_BACKUPS } from '../../infra/config/schema.js';
import { boundaryPolicy } from '../../ci/aws-oidc/policies.js';
import { type Request, decide } from '../support/iam-policy.js';

const ACCOUNT = '123456789012';
const volume = (id = 'vol-0123456789abcdef0') => `arn:aws:ec2:us-east-1:${ACCOUNT}:volume/${id}`;
const snapshot = (id = 'snap-0123456789abcdef0') => `arn:aws:ec2:us-east-1::snapshot/${id}`;
const taggedFor = (stack: string | undefined) => (stack === undefined ? {} : { [`aws:ResourceTag/${BACKUP_TAG}`]: stack });
const role = dlmRolePolicy('aws', 'dev');
const can = (request: Request) => decide(role, request) === 'allow';

describe('the lifecycle policy', () => {
  it('snapshots only this stack\'s data volume: volumes (not instances) with exactly its backup tag', () => {
    const details = dlmPolicyDetails('dev', DEFAULT_BACKUPS);
    expect(details.policyType).toBe('EBS_SNAPSHOT_MANAGEMENT');
    expect(details.resourceTypes).toEqual(['VOLUME']);
    expect(details.targetTags).toEqual({ 'berth:backup': 'dev' });
    expect(details.targetTags).toEqual(backupTags('dev'));
    expect(dlmPolicyDetails('prod', DEFAULT_BACKUPS).targetTags).toEqual({ 'berth:backup': 'prod' });
  });

  it('takes a snapshot every everyHours hours and keeps each retainDays days, copying the volume\'s tags', () => {
    const [schedule, ...more] = dlmPolicyDetails('dev', { enabled: true, everyHours: 6, retainDays: 14 }).schedules;
    expect(more).toEqual([]);
    expect(schedule!.createRule).toEqual({ interval: 6, intervalUnit: 'HOURS' });
    expect(schedule!.retainRule).toEqual({ interval: 14, intervalUnit: 'DAYS' });
    expect(schedule!.copyTags).toBe(true);
    expect(dlmPolicyDetails('dev', DEFAULT_BACKUPS).schedules[0]!.createRule.interval).toBe(24);
  });

  it('has a description DLM takes, whatever the stack name', () => {
    expect(dlmDescription('dev')).toMatch(/^[0-9A-Za-z _-]+$/);
    expect(dlmDescription('org.prod-2')).toMatch(/^[0-9A-Za-z _-]+$/);
  });
});

describe('the DLM role', () => {
  it('is trusted by DLM alone', () => {
    expect(dlmTrustPolicy().Statement).toEqual([{ Effect: 'Allow', Principal: { Service: 'dlm.amazonaws.com' }, Action: 'sts:AssumeRole' }]);
  });

  it('snapshots a volume only when it carries this stack\'s backup tag', () => {
    expect(can({ action: 'ec2:CreateSnapshot', resource: volume(), context: taggedFor('dev') })).toBe(true);
    expect(can({ action: 'ec2:CreateSnapshot', resource: snapshot() })).toBe(true);
    expect(can({ action: 'ec2:CreateSnapshot', resource: volume(), context: taggedFor('prod') })).toBe(false);
    expect(can({ action: 'ec2:CreateSnapshot', resource: volume(), context: taggedFor(undefined) })).toBe(false);
  });

  it('can tag only snapshots', () => {
    expect(can({ action: 'ec2:CreateTags', resource: snapshot() })).toBe(true);
    for (const other of [volume(), `arn:aws:ec2:us-east-1:${ACCOUNT}:instance/i-0123456789abcdef0`, `arn:aws:ec2:us-east-1:${ACCOUNT}:security-group/sg-0123456789abcdef0`]) {
      expect(can({ action: 'ec2:CreateTags', resource: other }), other).toBe(false);
    }
  });

  it('deletes only this stack\'s snapshots, and nothing else', () => {
    expect(can({ action: 'ec2:DeleteSnapshot', resource: snapshot(), context: taggedFor('dev') })).toBe(true);
    expect(can({ action: 'ec2:DeleteSnapshot', resource: snapshot(), context: taggedFor('prod') })).toBe(false);
    expect(can({ action: 'ec2:DeleteSnapshot', resource: snapshot() })).toBe(false);
    for (const action of ['ec2:DeleteVolume', 'ec2:TerminateInstances', 'ec2:ModifySnapshotAttribute', 'ec2:CopySnapshot', 'events:PutRule', 'iam:PassRole']) {
      expect(can({ action, resource: '*' }), action).toBe(false);
    }
  });

  it('keeps its rights inside the host boundary CI makes roles with, so a CI-deployed stack\'s DLM can snapshot', () => {
    const boundary = boundaryPolicy({ repository: 'acme/berth', environment: 'production', account: ACCOUNT, region: 'us-east-1', stack: 'dev' });
    const needed: Request[] = [
      { action: 'ec2:CreateSnapshot', resource: volume(), context: taggedFor('dev') },
      { action: 'ec2:CreateSnapshot', resource: snapshot() },
      { action: 'ec2:CreateTags', resource: snapshot() },
      { action: 'ec2:DeleteSnapshot', resource: snapshot(), context: taggedFor('dev') },
      { action: 'ec2:DescribeVolumes', resource: '*' },
      { action: 'ec2:DescribeSnapshots', resource: '*' },
    ];
    for (const request of needed) {
      expect(decide(role, request), request.action).toBe('allow');
      expect(decide(boundary, request), request.action).toBe('allow');
    }
    // and the boundary gives no more than the role asks: another stack's volume stays out.
    expect(decide(boundary, { action: 'ec2:CreateSnapshot', resource: volume(), context: taggedFor('prod') })).toBe('implicit-deny');
  });
});
