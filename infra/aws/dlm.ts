// A single host's backups, decided as plain data: the Amazon Data Lifecycle Manager policy that
// snapshots the stack's data volume (and nothing else), and the role DLM acts with. The component
// (infra/components/backup-policy.ts) only wires these; test/unit/backup-policy.test.ts holds them.
import type { BackupsSpec } from '../config/backups.js';
import { BACKUP_TAG } from './names.js';

/** The tags that mark a volume as this stack's to back up, and that its DLM policy targets. */
export const backupTags = (stack: string): Record<string, string> => ({ [BACKUP_TAG]: stack });

/**
 * The policy's description: DLM takes only letters, digits, spaces, _ and - there (the provider's
 * validation, "^[0-9A-Za-z _-]+$", hashicorp/terraform-provider-aws
 * internal/service/dlm/lifecycle_policy.go), and a stack name may also hold dots.
 */
export const dlmDescription = (stack: string) => `berth ${stack.replace(/[^0-9A-Za-z _-]/g, '-')} data volume snapshots`;

/**
 * What the policy does (CreateLifecyclePolicy PolicyDetails, DLM API Reference): an EBS snapshot
 * policy on volumes (not instances: one volume, not every disk of the host) carrying exactly the
 * stack's backup tag; one schedule every `everyHours` hours (CreateRule Interval, IntervalUnit
 * HOURS; no Times: DLM picks the start, "within the next 24 hours"), each snapshot kept
 * `retainDays` days (age-based RetainRule: Interval and IntervalUnit DAYS), the volume's tags
 * copied onto it (CopyTags), so that a snapshot says whose it is.
 */
export function dlmPolicyDetails(stack: string, backups: BackupsSpec) {
  return {
    policyType: 'EBS_SNAPSHOT_MANAGEMENT',
    resourceTypes: ['VOLUME'],
    targetTags: backupTags(stack),
    schedules: [
      {
        // Schedule Name: letters, digits, spaces, _ and - (DLM API Reference, Schedule Name).
        name: `every ${backups.everyHours} hours kept ${backups.retainDays} days`,
        createRule: { interval: backups.everyHours, intervalUnit: 'HOURS' },
        retainRule: { interval: backups.retainDays, intervalUnit: 'DAYS' },
        copyTags: true,
      },
    ],
  };
}

/** DLM assumes the role: the service principal alone. */
export function dlmTrustPolicy() {
  return {
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: 'dlm.amazonaws.com' }, Action: 'sts:AssumeRole' }],
  };
}

/**
 * What DLM may do with the role: AWS's managed policy AWSDataLifecycleManagerServiceRole
 * (AWS Managed Policy Reference, version v8, edited 2024-12-16) cut to what an EBS snapshot policy
 * on volumes uses, and narrowed to this stack:
 * - ec2:CreateSnapshot is authorized against the volume and the new snapshot (Service Authorization
 *   Reference, Amazon EC2): on volumes only with the stack's backup tag, on any new snapshot (it
 *   has no tags to test when it is made);
 * - ec2:CreateTags on snapshots only (as the managed policy does: arn:…:ec2:*::snapshot/*): the
 *   copied tags and DLM's own (aws:dlm:lifecycle-policy-id, …);
 * - ec2:DeleteSnapshot only on snapshots with the stack's backup tag (the copied volume tags put it
 *   there), so that retention can expire this stack's snapshots and no one else's;
 * - the Describe calls, which take no resource (`*`).
 * Left out of the managed policy: CreateSnapshots (multi-volume snapshots of an instance policy),
 * fast snapshot restore, CopySnapshot (cross-Region copies), ModifySnapshotAttribute (sharing), the
 * archive tier, DescribeAvailabilityZones, and the events:* rules of event-based policies: berth's
 * policy uses none of them. Not verified against AWS: that DLM needs nothing else for this policy.
 */
export function dlmRolePolicy(partition: string, stack: string) {
  const tagged = { StringEquals: { [`aws:ResourceTag/${BACKUP_TAG}`]: stack } };
  const snapshots = `arn:${partition}:ec2:*::snapshot/*`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'SnapshotThisStacksVolume', Effect: 'Allow' as const, Action: 'ec2:CreateSnapshot', Resource: `arn:${partition}:ec2:*:*:volume/*`, Condition: tagged },
      { Sid: 'MakeTheSnapshot', Effect: 'Allow' as const, Action: 'ec2:CreateSnapshot', Resource: snapshots },
      { Sid: 'TagOnlySnapshots', Effect: 'Allow' as const, Action: 'ec2:CreateTags', Resource: snapshots },
      { Sid: 'ExpireThisStacksSnapshots', Effect: 'Allow' as const, Action: 'ec2:DeleteSnapshot', Resource: snapshots, Condition: tagged },
      { Sid: 'LookUps', Effect: 'Allow' as const, Action: ['ec2:DescribeInstances', 'ec2:DescribeSnapshots', 'ec2:DescribeVolumes'], Resource: '*' },
    ],
  };
}
