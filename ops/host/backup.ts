// `npm run host:backup`, as data: a snapshot of the stack's data volume on demand, tagged as its DLM
// snapshots are (the policy copies the volume's tags: infra/aws/dlm.ts), so it is found, and
// restored (berth:restoreSnapshotId), the same way. ops/host.ts runs what this returns.
import type { Argv } from '../../infra/app/docker-commands.js';
import { BACKUP_TAG } from '../../infra/aws/names.js';
import { HostUsageError } from './plan.js';

export interface BackupTarget {
  readonly volumeId: string;
  readonly region: string;
  /** The volume's tags (the stack's, its Name, berth:backup): what its DLM snapshots carry. */
  readonly tags: Readonly<Record<string, string>>;
}

/** The data volume from `pulumi stack output --json`; a clear error for a fleet, or a stack not deployed. */
export function parseBackupTarget(text: string): BackupTarget {
  let outputs: Record<string, unknown>;
  try {
    outputs = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw new HostUsageError(`host: pulumi stack output --json did not print JSON: ${text.slice(0, 200)}`);
  }
  if (outputs.dataVolumeId === undefined && (outputs.groupName !== undefined || outputs.loadBalancerDnsName !== undefined)) {
    throw new HostUsageError(
      'host: backup: this is a fleet stack (berth:fleet): its hosts keep no data, and its database is backed up by RDS (berth:backups.retainDays); for a snapshot now: aws rds create-db-snapshot --db-instance-identifier <the database> --db-snapshot-identifier <name> (README: Backups and restore)',
    );
  }
  const { dataVolumeId: volumeId, region, dataVolumeTags: tags } = outputs;
  if (typeof volumeId !== 'string' || typeof region !== 'string') {
    const missing = [typeof volumeId !== 'string' && 'dataVolumeId', typeof region !== 'string' && 'region'].filter(Boolean).join(' and ');
    throw new HostUsageError(`host: the stack has no ${missing} output; deploy it first with pulumi up`);
  }
  if (!/^vol-[0-9a-f]{8,17}$/.test(volumeId)) throw new HostUsageError(`host: the stack's dataVolumeId output is not an EBS volume id: '${volumeId}'`);
  // A stack last deployed before backups exported no tags: its volume has no backup tag yet either.
  if (typeof tags !== 'object' || tags === null || typeof (tags as Record<string, unknown>)[BACKUP_TAG] !== 'string') {
    throw new HostUsageError(`host: the stack's data volume has no ${BACKUP_TAG} tag yet (a stack deployed before backups); run pulumi up first`);
  }
  return { volumeId, region, tags: tags as Record<string, string> };
}

/**
 * `aws ec2 create-snapshot` of the volume (EC2 API Reference, CreateSnapshot: VolumeId, Description,
 * TagSpecifications with ResourceType snapshot), the tags given as JSON, which the CLI takes for any
 * structure; it prints the new snapshot's id. The snapshot is taken while the host runs: crash-
 * consistent, as DLM's are (README: Backups and restore).
 */
export function snapshotArgv(t: BackupTarget, now: Date): Argv {
  const stack = t.tags[BACKUP_TAG]!;
  const tags = Object.entries(t.tags).sort(([a], [b]) => a.localeCompare(b)).map(([Key, Value]) => ({ Key, Value }));
  return [
    'aws', 'ec2', 'create-snapshot',
    '--region', t.region,
    '--volume-id', t.volumeId,
    // Description: up to 255 characters (CreateSnapshot Description).
    '--description', `berth ${stack} on demand ${now.toISOString()}`.slice(0, 255),
    '--tag-specifications', JSON.stringify([{ ResourceType: 'snapshot', Tags: tags }]),
    '--query', 'SnapshotId', '--output', 'text',
  ];
}
