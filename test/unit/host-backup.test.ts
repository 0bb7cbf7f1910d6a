// `npm run host:backup`, as data: the stack's outputs give the data volume and its tags, the argv
// is one `aws ec2 create-snapshot` of that volume tagged as its DLM snapshots are, and a fleet
// stack, or one not deployed, is told what to do instead.
import { describe, expect, it } from 'vitest';
import { parseBackupTarget, snapshotArgv } from '../../ops/host/backup.js';
import { HostUsageError, parseHostArgs, requiredTools } from '../../ops/host/plan.js';

const TAGS = { project: 'berth', stack: 'dev', 'managed-by': 'pulumi', Name: 'berth-data', 'berth:backup': 'dev' };
const single = { region: 'us-east-1', instanceId: 'i-0123456789abcdef0', dataVolumeId: 'vol-0123456789abcdef0', dataVolumeTags: TAGS };
const outputs = (o: Record<string, unknown>) => JSON.stringify(o);
const NOW = new Date('2026-12-03T04:00:00Z');

describe('npm run host:backup', () => {
  it('is a host command that needs the Pulumi and AWS CLIs (no Session Manager plugin)', () => {
    expect(parseHostArgs(['backup', '--stack', 'prod'])).toEqual({ command: 'backup', stack: 'prod' });
    expect(requiredTools('backup').map((t) => t.argv[0])).toEqual(['pulumi', 'aws']);
  });

  it('snapshots exactly the stack\'s data volume, in its region, with the tags its DLM snapshots carry', () => {
    const argv = snapshotArgv(parseBackupTarget(outputs(single)), NOW);
    expect(argv.slice(0, 3)).toEqual(['aws', 'ec2', 'create-snapshot']);
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    expect(flag('--volume-id')).toBe('vol-0123456789abcdef0');
    expect(flag('--region')).toBe('us-east-1');
    const [spec, ...more] = JSON.parse(flag('--tag-specifications')!) as { ResourceType: string; Tags: { Key: string; Value: string }[] }[];
    expect(more).toEqual([]);
    expect(spec!.ResourceType).toBe('snapshot');
    expect(Object.fromEntries(spec!.Tags.map((t) => [t.Key, t.Value]))).toEqual(TAGS);
    expect(flag('--description')).toContain('dev');
    expect(flag('--query')).toBe('SnapshotId');
  });

  it('refuses a fleet stack, pointing at its database\'s backups', () => {
    const fleet = { region: 'us-east-1', groupName: 'berth-fleet-1234567', loadBalancerDnsName: 'berth-alb.example.com' };
    expect(() => parseBackupTarget(outputs(fleet))).toThrow(HostUsageError);
    expect(() => parseBackupTarget(outputs(fleet))).toThrow(/^host: backup: this is a fleet stack \(berth:fleet\).*aws rds create-db-snapshot/);
  });

  it('refuses a stack not deployed, one deployed before backups, and a volume id that is not one', () => {
    expect(() => parseBackupTarget(outputs({ region: 'us-east-1' }))).toThrow(/^host: the stack has no dataVolumeId output; deploy it first with pulumi up$/);
    expect(() => parseBackupTarget(outputs({ ...single, dataVolumeTags: undefined }))).toThrow(/no berth:backup tag yet .*run pulumi up first/);
    expect(() => parseBackupTarget(outputs({ ...single, dataVolumeId: 'vol-1; rm -rf /' }))).toThrow(/is not an EBS volume id/);
    expect(() => parseBackupTarget('not json')).toThrow(/did not print JSON/);
  });
});
