// Fleet mode's configuration and its pure decisions, as policy: berth:fleet and berth:database are
// validated into plain data with one line per problem naming the key path and the fix; the rest of
// the config is judged as a fleet's; the network rules, rate control, zones, host settings, DNS
// records and database names are decided by plain functions, tested here without mocks.
import { describe, expect, it } from 'vitest';
import { DEFAULT_DATABASE, DEFAULT_FLEET } from '../../infra/config/schema.js';
import { validateDatabaseSpec, validateFleetSpec } from '../../infra/config/fleet.js';
import { validateDeployConfig } from '../../infra/config/validate.js';
import { fleetHostSetup, fleetNetworkRules, renderHostEnv } from '../../infra/host/settings.js';
import { fleetTargets, rateControl } from '../../infra/release/association.js';
import { fleetSubnets, fleetZones } from '../../infra/aws/zone.js';
import { recordsToCreate } from '../../infra/aws/dns-records.js';
import { databaseName, databaseSettings, finalSnapshotIdentifier } from '../../infra/components/database.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { configProblems, rawConfig } from '../support/stack-config.js';

const fleetOf = (value: unknown) => validateFleetSpec(JSON.stringify(value));
const databaseOf = (value: unknown) => validateDatabaseSpec(JSON.stringify(value), true);

describe('berth:fleet', () => {
  it('absent is the single host: no fleet, no problem', () => {
    expect(validateFleetSpec(undefined)).toEqual({ problems: [] });
    expect(validateFleetSpec('')).toEqual({ problems: [] });
  });

  it('takes min and max, and fills in maxUnavailable and logRetentionDays; numbers may come as strings (--path)', () => {
    expect(fleetOf({ min: 2, max: 4 })).toEqual({ fleet: { min: 2, max: 4, maxUnavailable: DEFAULT_FLEET.maxUnavailable, logRetentionDays: DEFAULT_FLEET.logRetentionDays }, problems: [] });
    expect(fleetOf({ min: '3', max: '6', desired: '4', cpuTarget: '60', maxUnavailable: '2', logRetentionDays: '30' }).fleet).toEqual({ min: 3, max: 6, desired: 4, cpuTarget: 60, maxUnavailable: 2, logRetentionDays: 30 });
  });

  it('requires min and max: a fleet\'s size is its cost, the user\'s decision', () => {
    expect(fleetOf({ max: 3 }).problems).toEqual(['berth:fleet.min: is required in fleet mode; set it with: pulumi config set --path berth:fleet.min 2']);
    expect(fleetOf({ min: 2 }).problems).toEqual(['berth:fleet.max: is required in fleet mode; set it with: pulumi config set --path berth:fleet.max 2']);
  });

  it.each([
    [{ min: 0, max: 2 }, /^berth:fleet\.min: must be a whole number of hosts from 1/],
    [{ min: 2, max: 'lots' }, /^berth:fleet\.max: must be a whole number of hosts from 1 .*got "lots"$/],
    [{ min: 3, max: 2 }, /^berth:fleet\.min: 3 is more than berth:fleet\.max \(2\)/],
    [{ min: 2, max: 4, desired: 5 }, /^berth:fleet\.desired: 5 must be from berth:fleet\.min \(2\) to berth:fleet\.max \(4\)$/],
    [{ min: 2, max: 4, desired: 1 }, /^berth:fleet\.desired: 1 must be from/],
    [{ min: 2, max: 4, cpuTarget: 0 }, /^berth:fleet\.cpuTarget: must be the average CPU percent to keep, from 1 to 100/],
    [{ min: 2, max: 4, cpuTarget: 101 }, /^berth:fleet\.cpuTarget: must be/],
    [{ min: 2, max: 2, cpuTarget: 60 }, /^berth:fleet\.cpuTarget: a fleet with min = max \(2\) cannot scale/],
    [{ min: 2, max: 4, logRetentionDays: 10 }, /^berth:fleet\.logRetentionDays: must be one of CloudWatch Logs' retention periods: 1, 3, 5, 7, 14, 30/],
    [{ min: 2, max: 4, maxUnavailable: 0 }, /^berth:fleet\.maxUnavailable: must be a whole number of hosts from 1/],
  ])('refuses %j, naming the key path', (value, problem) => {
    const { fleet, problems } = fleetOf(value);
    expect(fleet).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('maxUnavailable leaves a host untouched while a batch swaps, at the fleet\'s smallest size', () => {
    expect(fleetOf({ min: 3, max: 6, maxUnavailable: 2 }).fleet?.maxUnavailable).toBe(2);
    expect(fleetOf({ min: 3, max: 6, maxUnavailable: 3 }).problems).toEqual([
      'berth:fleet.maxUnavailable: 3 would release every host of a 3-host fleet at once, so a failing release would reach them all before the roll stops; use at most 2: pulumi config set --path berth:fleet.maxUnavailable 2',
    ]);
    // Judged at min, the size the group may shrink to, not max.
    expect(fleetOf({ min: 2, max: 10, maxUnavailable: 2 }).problems[0]).toMatch(/^berth:fleet\.maxUnavailable: 2 would release every host of a 2-host fleet/);
    // A fleet of one has no other host to keep: it releases its one host.
    expect(fleetOf({ min: 1, max: 3, maxUnavailable: 1 }).fleet?.maxUnavailable).toBe(1);
  });

  it('refuses an unknown key with the nearest one, as berth:app does', () => {
    expect(fleetOf({ min: 2, max: 3, maxUnavailble: 1 }).problems).toEqual(['berth:fleet.maxUnavailble: unknown key; did you mean berth:fleet.maxUnavailable? (pulumi config rm --path berth:fleet.maxUnavailble)']);
    expect(fleetOf({ min: 2, max: 3, zones: 3 }).problems[0]).toMatch(/^berth:fleet\.zones: unknown key; berth:fleet takes min, max, desired, cpuTarget, maxUnavailable, logRetentionDays; remove it/);
  });

  it('refuses a value that is not an object', () => {
    expect(validateFleetSpec('3').problems[0]).toMatch(/^berth:fleet: must be an object of settings, set one at a time: pulumi config set --path berth:fleet\.min 2; got "3"$/);
  });
});

describe('berth:database', () => {
  it('in fleet mode: PostgreSQL with the defaults unless told otherwise', () => {
    expect(validateDatabaseSpec(undefined, true)).toEqual({ database: DEFAULT_DATABASE, problems: [] });
    expect(databaseOf({ instanceClass: 'db.t4g.small', storageGiB: '50', multiAz: 'true', backupDays: 0 }).database).toEqual({ engine: 'postgres', instanceClass: 'db.t4g.small', storageGiB: 50, multiAz: true, backupDays: 0 });
  });

  it('engine none: no database, and nothing else may be set with it', () => {
    expect(databaseOf({ engine: 'none' })).toEqual({ problems: [] });
    expect(databaseOf({ engine: 'none', storageGiB: 30 }).problems).toEqual(['berth:database.storageGiB: does not apply with berth:database.engine none; remove it: pulumi config rm --path berth:database.storageGiB']);
  });

  it('without a fleet it is refused: a single host keeps its data on its volume', () => {
    expect(validateDatabaseSpec(undefined, false)).toEqual({ problems: [] });
    expect(validateDatabaseSpec(JSON.stringify({ engine: 'postgres' }), false).problems).toEqual([
      'berth:database: only applies in fleet mode (berth:fleet); a single host keeps its data on its volume; set berth:fleet or remove it: pulumi config rm berth:database',
    ]);
  });

  it.each([
    [{ engine: 'mysql' }, /^berth:database\.engine: must be postgres \(RDS PostgreSQL\) or none/],
    [{ instanceClass: 't4g.micro' }, /^berth:database\.instanceClass: must be an RDS instance class such as db\.t4g\.micro; got "t4g\.micro"$/],
    [{ storageGiB: 19 }, /^berth:database\.storageGiB: must be a whole number of GiB from 20 to 65536/],
    [{ storageGiB: 65537 }, /^berth:database\.storageGiB: must be/],
    [{ multiAz: 'yes' }, /^berth:database\.multiAz: must be true or false; got "yes"$/],
    [{ backupDays: 36 }, /^berth:database\.backupDays: must be a whole number of days from 0 to 35/],
    [{ backupDays: -1 }, /^berth:database\.backupDays: must be/],
    [{ backupDayz: 7 }, /^berth:database\.backupDayz: unknown key; did you mean berth:database\.backupDays\?/],
  ])('refuses %j, naming the key path', (value, problem) => {
    const { database, problems } = databaseOf(value);
    expect(database).toBeUndefined();
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });
});

describe('the rest of the config, in fleet mode', () => {
  const base: Record<string, string> = {
    'aws:region': 'us-east-1',
    'berth:image': 'youruser/berth-notes',
    'berth:registryUsername': 'youruser',
    'berth:registryToken': 'token',
    'berth:fleet': JSON.stringify({ min: 2, max: 4 }),
  };
  const validate = rawConfig;
  const problemsOf = configProblems;

  it('makes a fleet with a database; without berth:fleet, neither', () => {
    const config = validateDeployConfig(validate(base));
    expect(config.fleet).toMatchObject({ min: 2, max: 4 });
    expect(config.database).toEqual(DEFAULT_DATABASE);
    const { 'berth:fleet': _, ...single } = base;
    const one = validateDeployConfig(validate(single));
    expect(one.fleet).toBeUndefined();
    expect(one.database).toBeUndefined();
  });

  it('takes berth:hostedZoneId with a domain in fleet mode only', () => {
    const withZone: Record<string, string> = { ...base, 'berth:domain': 'notes.example.com', 'berth:hostedZoneId': 'Z0123456789ABCDEFGHIJ' };
    expect(validateDeployConfig(validate(withZone)).hostedZoneId).toBe('Z0123456789ABCDEFGHIJ');
    expect(problemsOf({ ...withZone, 'berth:hostedZoneId': 'example.com' })).toEqual([expect.stringMatching(/^berth:hostedZoneId: must be a Route 53 hosted zone id such as Z/)]);
    expect(problemsOf({ ...base, 'berth:hostedZoneId': 'Z0123456789ABCDEFGHIJ' })).toEqual([expect.stringMatching(/^berth:hostedZoneId: only applies with berth:domain in fleet mode/)]);
    const { 'berth:fleet': _, ...single } = withZone;
    expect(problemsOf(single)).toEqual([expect.stringMatching(/^berth:hostedZoneId: only applies with berth:domain in fleet mode/)]);
  });

  it('refuses what only a single host uses: a data volume size, the ACME settings', () => {
    expect(problemsOf({ ...base, 'berth:dataVolumeGiB': '20' })).toEqual([expect.stringMatching(/^berth:dataVolumeGiB: only applies to a single host/)]);
    expect(problemsOf({ ...base, 'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops@example.com' })).toEqual([
      expect.stringMatching(/^berth:acmeEmail: only applies to a single host; in fleet mode TLS ends at the load balancer with an ACM certificate/),
    ]);
    // The defaults Pulumi.yaml fills in are no contradiction.
    expect(problemsOf({ ...base, 'berth:dataVolumeGiB': '8', 'berth:acmeCa': 'https://acme-v02.api.letsencrypt.org/directory' })).toEqual([]);
  });

  it('a domain with another hostPort is fine in fleet mode: the port is the hosts\', behind the load balancer', () => {
    expect(problemsOf({ ...base, 'berth:domain': 'notes.example.com', 'berth:hostPort': '8080' })).toEqual([]);
    const { 'berth:fleet': _, ...single } = base;
    expect(problemsOf({ ...single, 'berth:domain': 'notes.example.com', 'berth:hostPort': '8080' })[0]).toMatch(/^berth:hostPort: 8080 is not used with berth:domain/);
  });

  it('a berth:fleet.* key set without --path is named, with the command that sets it', () => {
    expect(problemsOf({ ...base, 'berth:fleet.min': '2' })[0]).toMatch(/^berth:fleet\.min: set without --path, so Pulumi stored a key of that name; set it with: pulumi config set --path berth:fleet\.min <value>/);
  });

  it('counts the load balancer\'s rules: 80 and 443 per network with a domain', () => {
    const many = JSON.stringify(Array.from({ length: 31 }, (_, i) => `203.0.${i}.0/24`));
    expect(problemsOf({ ...base, 'berth:allowedCidrs': many })).toEqual([]);
    expect(problemsOf({ ...base, 'berth:allowedCidrs': many, 'berth:domain': 'notes.example.com' })).toEqual([expect.stringMatching(/^berth:allowedCidrs: 31 IPv4 networks make 62 inbound rules/)]);
  });
});

describe('fleet decisions', () => {
  const vpc = { hasIpv6: false, cidrBlock: '172.31.0.0/16' };

  it('the allowed networks reach the load balancer only; the hosts take its traffic only; the database the hosts\' only', () => {
    const rules = fleetNetworkRules({ hostPort: 8080, domain: true }, ['203.0.113.0/24'], vpc);
    expect(rules.alb.ingress).toEqual([{ port: 80, ipv4: ['203.0.113.0/24'], ipv6: [] }, { port: 443, ipv4: ['203.0.113.0/24'], ipv6: [] }]);
    expect(rules.alb.egress).toEqual({ port: 8080, ipv4: ['172.31.0.0/16'] });
    expect(rules.hosts.port).toBe(8080);
    expect(rules.database.port).toBe(5432);
    // No ACME exception: port 80 keeps to the allowed networks (ACM validates through DNS).
    expect(fleetNetworkRules({ hostPort: 80, domain: false }, ['198.51.100.0/24'], vpc).alb.ingress).toEqual([{ port: 80, ipv4: ['198.51.100.0/24'], ipv6: [] }]);
    expect(() => fleetNetworkRules({ hostPort: 80, domain: false }, ['2001:db8::/32'], vpc)).toThrow(/^invalid configuration: berth:allowedCidrs: 2001:db8::\/32 is IPv6/);
  });

  it('a release rolls maxUnavailable hosts at a time over the fleet\'s tag, and stops at the first failure', () => {
    expect(rateControl(1)).toEqual({ maxConcurrency: '1', maxErrors: '0' });
    expect(rateControl(3)).toEqual({ maxConcurrency: '3', maxErrors: '0' });
    expect(() => rateControl(0)).toThrow(/maxUnavailable must be a whole number from 1/);
    expect(fleetTargets('prod')).toEqual([{ key: 'tag:berth:fleet', values: ['prod'] }]);
  });

  it('spreads over the first two zones by name that offer the type', () => {
    expect(fleetZones('t3.micro', ['us-east-1d', 'us-east-1a', 'us-east-1a'])).toEqual(['us-east-1a', 'us-east-1d']);
    expect(fleetZones('t3.micro', ['us-east-1f', 'us-east-1c', 'us-east-1b', 'us-east-1d'])).toEqual(['us-east-1b', 'us-east-1c']);
    expect(() => fleetZones('x1.big', ['us-east-1a'])).toThrow(/^berth:instanceType: x1\.big is offered in only us-east-1a of this region; a fleet needs 2 zones/);
    expect(() => fleetSubnets(['us-east-1a', 'us-east-1b'], ['subnet-1'])).toThrow(/a fleet needs 2 zones: create the missing default subnets/);
    expect(fleetSubnets(['us-east-1a', 'us-east-1b'], ['subnet-2', 'subnet-1'])).toEqual(['subnet-1', 'subnet-2']);
  });

  it('a fleet host has no data volume, no https of its own, and the database without its password', () => {
    const database = { secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-x-AbCdEf', host: 'db.example', port: 5432, name: 'notes' };
    const setup = fleetHostSetup({ region: 'us-east-1', hostPort: 8080, logGroup: '/berth/dev', database });
    expect(setup).toEqual({ region: 'us-east-1', deviceName: '', hostPort: 8080, database, logGroup: '/berth/dev' });
    expect(setup.volumeId).toBeUndefined();
    expect(setup.https).toBeUndefined();
    expect(fleetHostSetup({ region: 'us-east-1', hostPort: 80, logGroup: '/berth/dev' }).database).toBeUndefined();
    expect(renderHostEnv(DEFAULT_APP, setup)).toMatch(/^BERTH_VOLUME_ID=''$/m);
  });

  it('lists the DNS records to create: ACM\'s validation record once, and the domain at the load balancer', () => {
    const option = { domainName: 'notes.example.com', resourceRecordName: '_abc.notes.example.com.', resourceRecordType: 'CNAME', resourceRecordValue: '_def.acm-validations.aws.' };
    const records = recordsToCreate('notes.example.com', [option, option], 'berth-alb-1.us-east-1.elb.amazonaws.com');
    expect(records.map((r) => [r.name, r.type, r.value])).toEqual([
      ['_abc.notes.example.com.', 'CNAME', '_def.acm-validations.aws.'],
      ['notes.example.com.', 'CNAME', 'berth-alb-1.us-east-1.elb.amazonaws.com'],
    ]);
  });

  it('names the database and its final snapshot as RDS takes them', () => {
    expect(databaseName('notes')).toBe('notes');
    expect(databaseName('my-api')).toBe('my_api');
    expect(databaseName('9lives')).toBe('app_9lives');
    expect(finalSnapshotIdentifier('berth', 'dev')).toBe('berth-dev-final');
    for (const id of [finalSnapshotIdentifier('berth', 'Prod_EU--2'), finalSnapshotIdentifier('9x', 'a.b')]) expect(id).toMatch(/^[a-z](?!.*--)[a-z0-9-]*[a-z0-9]$/);
  });

  it('the database is encrypted, private, backed up for backupDays, protected, and its password RDS\'s own', () => {
    const settings = databaseSettings({ ...DEFAULT_DATABASE, backupDays: 12 });
    expect(settings).toMatchObject({ storageEncrypted: true, publiclyAccessible: false, backupRetentionPeriod: 12, deletionProtection: true, skipFinalSnapshot: false, manageMasterUserPassword: true, storageType: 'gp3', engine: 'postgres' });
    expect(settings).not.toHaveProperty('password');
  });
});
