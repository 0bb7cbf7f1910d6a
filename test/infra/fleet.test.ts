// Fleet mode under Pulumi's mocks, read as policy (issue 14): who may reach what, what is encrypted
// and backed up, that the hosts' template holds no release and no secret, how a release rolls over
// the fleet, that a new digest leaves the template and the group alone, and that the hosts' role
// may read only its secret and write only its log group.
import { gunzipSync } from 'node:zlib';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../infra/config/validate.js';
import { TARGET_HEALTH } from '../../infra/aws/target-group.js';
import { AwsMocks, type ProgramRun, type Registered, occurrences, plain, runProgram } from '../support/pulumi-mocks.js';
import { DEFAULT_VPC, ZONES, defaultSubnet, instanceType } from '../support/aws-account.js';
import { readBundle } from '../support/bundle.js';
import { exampleConfig } from '../support/stack-config.js';

const TOKEN_CANARY = 'CANARY-token-5d1e77';
const ENV_CANARY = 'CANARY-env-0c9f42';
const SECRET_KEYS = ['berth:registryToken', 'berth:secretEnv'];
const stack = (overrides: Record<string, string> = {}) => ({
  ...exampleConfig,
  'berth:registryToken': TOKEN_CANARY,
  'berth:secretEnv': JSON.stringify({ API_KEY: ENV_CANARY }),
  'berth:fleet': JSON.stringify({ min: 2, max: 4 }),
  ...overrides,
});

/** Options each resource was created with, seen by a stack transformation. */
type Created = { type: string; name: string; ignoreChanges?: string[]; dependsOn: string[] };

async function deploy(config: Record<string, string>): Promise<ProgramRun & { created: Created[] }> {
  const seen: { type: string; name: string; ignoreChanges?: string[]; dependsOn: unknown[] }[] = [];
  vi.resetModules();
  const run = await runProgram(config, SECRET_KEYS, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      seen.push({ type: args.type, name: args.name, ignoreChanges: args.opts.ignoreChanges, dependsOn: ([] as unknown[]).concat(args.opts.dependsOn ?? []) });
      return undefined;
    });
    return (await import('../../index.js')) as Record<string, unknown>;
  }, new AwsMocks());
  // A dependency may be given as a promise of a resource (the release waits for the group so).
  const created = await Promise.all(seen.map(async (c) => ({ ...c, dependsOn: await Promise.all(c.dependsOn.map(async (d) => ((await d) as { __name?: string }).__name ?? '?')) })));
  return { ...run, created };
}

const inputs = (r: Registered) => plain(r.inputs) as Record<string, any>;
const named = (run: ProgramRun, type: string, name: string) => {
  const found = run.mocks.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} ${name}`);
  return found;
};
const SG = 'aws:ec2/securityGroup:SecurityGroup';
const LT = 'aws:ec2/launchTemplate:LaunchTemplate';
const ASG = 'aws:autoscaling/group:Group';
const TG = 'aws:lb/targetGroup:TargetGroup';
const LB = 'aws:lb/loadBalancer:LoadBalancer';
const LISTENER = 'aws:lb/listener:Listener';
const RDS = 'aws:rds/instance:Instance';
const POLICY = 'aws:iam/rolePolicy:RolePolicy';
const ASSOCIATION = 'aws:ssm/association:Association';
const zoneOf = (subnetId: string) => ZONES.find((z) => defaultSubnet(z).id === subnetId);
const userDataOf = (base64: string) => gunzipSync(Buffer.from(base64, 'base64')).toString('utf8');
const bundleOf = (run: ProgramRun) => {
  const manifest = String(inputs(run.mocks.one(ASSOCIATION)).parameters.manifest);
  const refs = manifest.split(' ').slice(2).map((ref) => ref.replace(/:\d+$/, ''));
  const value = (name: string) => String(inputs(run.mocks.ofType('aws:ssm/parameter:Parameter').find((p) => p.id === name)!).value);
  return readBundle(refs.map(value).join(''));
};

const runs: Record<string, ProgramRun & { created: Created[] }> = {};
beforeAll(async () => {
  runs.fleet = await deploy(stack());
  runs.single = await deploy(stack({ 'berth:fleet': '' }));
  runs.domain = await deploy(stack({ 'berth:domain': 'notes.example.com', 'berth:allowedCidrs': '["203.0.113.0/24"]', 'berth:hostPort': '8080' }));
  runs.zone = await deploy(stack({ 'berth:domain': 'notes.example.com', 'berth:hostedZoneId': 'Z0123456789ABCDEFGHIJ', 'berth:fleet': JSON.stringify({ min: 3, max: 6, maxUnavailable: 2, cpuTarget: 55, logRetentionDays: 30 }), 'berth:database': JSON.stringify({ backupDays: 21, multiAz: true }) }));
  runs.app = await deploy(stack({ 'berth:app': JSON.stringify({ healthPath: '/up' }) }));
  runs.stateless = await deploy(stack({ 'berth:database': JSON.stringify({ engine: 'none' }) }));
  runs.digestA = await deploy(stack({ 'berth:pinDigest': `sha256:${'a'.repeat(64)}` }));
  runs.digestB = await deploy(stack({ 'berth:pinDigest': `sha256:${'b'.repeat(64)}` }));
}, 180_000);

describe('fleet mode makes', () => {
  it('a launch template, a group, a load balancer and a database instead of one host', () => {
    const types = new Set(runs.fleet!.mocks.resources.map((r) => r.type));
    for (const type of ['berth:fleet:Fleet', 'berth:database:Database', LT, ASG, TG, LB, LISTENER, RDS, 'aws:rds/subnetGroup:SubnetGroup', 'aws:cloudwatch/logGroup:LogGroup', ASSOCIATION]) expect(types, type).toContain(type);
    for (const type of ['berth:host:SingleHost', 'aws:ec2/instance:Instance', 'aws:ebs/volume:Volume', 'aws:ec2/eip:Eip']) expect(types, type).not.toContain(type);
    // And without berth:fleet, the single host as before, with none of the fleet's parts.
    const single = new Set(runs.single!.mocks.resources.map((r) => r.type));
    expect(single).toContain('aws:ec2/instance:Instance');
    for (const type of ['berth:fleet:Fleet', LT, ASG, LB, RDS]) expect(single, type).not.toContain(type);
  });
});

describe('who may reach what', () => {
  it('the load balancer: its listener ports from the allowed networks, and out only to the hosts\' port in the VPC', () => {
    const alb = inputs(named(runs.domain!, SG, 'berth-alb-sg'));
    expect(alb.ingress.map((r: any) => [r.fromPort, r.toPort, r.cidrBlocks, r.securityGroups])).toEqual([[80, 80, ['203.0.113.0/24'], undefined], [443, 443, ['203.0.113.0/24'], undefined]]);
    expect(alb.egress).toEqual([expect.objectContaining({ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrBlocks: [DEFAULT_VPC.cidrBlock] })]);
    expect(inputs(named(runs.fleet!, SG, 'berth-alb-sg')).ingress.map((r: any) => r.fromPort)).toEqual([80]);
  });

  it('the hosts: the proxy port from the load balancer\'s group and from nothing else (no CIDR, no 22)', () => {
    for (const run of [runs.fleet!, runs.domain!]) {
      const alb = named(run, SG, 'berth-alb-sg');
      const hosts = inputs(named(run, SG, 'berth-hosts-sg'));
      const port = inputs(run.mocks.one(TG)).port;
      expect(hosts.ingress).toHaveLength(1);
      expect(hosts.ingress[0]).toMatchObject({ protocol: 'tcp', fromPort: port, toPort: port, securityGroups: [alb.id] });
      expect(hosts.ingress[0].cidrBlocks ?? []).toEqual([]);
      expect(hosts.ingress[0].ipv6CidrBlocks ?? []).toEqual([]);
    }
    expect(inputs(runs.domain!.mocks.one(TG)).port).toBe(8080);
  });

  it('the database: 5432 from the hosts\' group only, no way out, not public', () => {
    const hosts = named(runs.fleet!, SG, 'berth-hosts-sg');
    const db = inputs(named(runs.fleet!, SG, 'berth-db-sg'));
    expect(db.ingress).toEqual([expect.objectContaining({ protocol: 'tcp', fromPort: 5432, toPort: 5432, securityGroups: [hosts.id] })]);
    expect(db.ingress[0].cidrBlocks ?? []).toEqual([]);
    expect(db.egress ?? []).toEqual([]);
    const instance = inputs(runs.fleet!.mocks.one(RDS));
    expect(instance.publiclyAccessible).toBe(false);
    expect(instance.vpcSecurityGroupIds).toEqual([named(runs.fleet!, SG, 'berth-db-sg').id]);
  });

  it('the launch template puts the hosts in the hosts\' group; the load balancer is internet-facing in its own', () => {
    expect(inputs(runs.fleet!.mocks.one(LT)).vpcSecurityGroupIds).toEqual([named(runs.fleet!, SG, 'berth-hosts-sg').id]);
    expect(inputs(runs.fleet!.mocks.one(LB))).toMatchObject({ loadBalancerType: 'application', internal: false, securityGroups: [named(runs.fleet!, SG, 'berth-alb-sg').id] });
  });
});

describe('zones', () => {
  it('the group, the load balancer and the database span the same default subnets, in two zones that offer the type', () => {
    const group = inputs(runs.fleet!.mocks.one(ASG));
    const zones = group.vpcZoneIdentifiers.map(zoneOf);
    expect(new Set(zones).size).toBe(2);
    for (const zone of zones) expect(instanceType('t3.micro').zones).toContain(zone);
    // us-east-1e offers no t3: a host launched there would fail.
    expect(zones).not.toContain('us-east-1e');
    expect(inputs(runs.fleet!.mocks.one(LB)).subnets).toEqual(group.vpcZoneIdentifiers);
    expect(inputs(runs.fleet!.mocks.one('aws:rds/subnetGroup:SubnetGroup')).subnetIds).toEqual(group.vpcZoneIdentifiers);
  });
});

describe('the hosts\' template', () => {
  it('boots the user-data a single host boots: the bootstrap, byte for byte', () => {
    expect(inputs(runs.fleet!.mocks.one(LT)).userData).toBe(inputs(runs.single!.mocks.one('aws:ec2/instance:Instance')).userDataBase64);
  });

  it('holds no release and no secret', () => {
    for (const run of [runs.fleet!, runs.zone!]) {
      const template = run.mocks.one(LT);
      const text = userDataOf(inputs(template).userData);
      expect(text).not.toContain('sha256:');
      expect(text).not.toContain('berth-notes');
      for (const canary of [TOKEN_CANARY, ENV_CANARY]) {
        expect(occurrences(template.inputs, canary)).toEqual([]);
        expect(occurrences(run.mocks.one(ASG).inputs, canary)).toEqual([]);
      }
      expect(text).not.toMatch(/rds!db-|secretsmanager/);
    }
  });

  it('requires IMDSv2 with a hop limit of 1, and an encrypted gp3 root', () => {
    const template = inputs(runs.fleet!.mocks.one(LT));
    expect(template.metadataOptions).toEqual({ httpEndpoint: 'enabled', httpTokens: 'required', httpPutResponseHopLimit: 1 });
    expect(template.blockDeviceMappings).toEqual([{ deviceName: '/dev/xvda', ebs: { encrypted: 'true', volumeType: 'gp3', deleteOnTermination: 'true' } }]);
    expect(template.iamInstanceProfile.name).toBe(runs.fleet!.mocks.one('aws:iam/instanceProfile:InstanceProfile').state.name);
  });

  it('tags every host berth:fleet=<stack>, what the release association targets', () => {
    const template = inputs(runs.fleet!.mocks.one(LT));
    expect(template.tagSpecifications.find((t: any) => t.resourceType === 'instance').tags['berth:fleet']).toBe('dev');
    expect(inputs(runs.fleet!.mocks.one(ASG)).tags).toContainEqual({ key: 'berth:fleet', value: 'dev', propagateAtLaunch: true });
  });
});

describe('the group', () => {
  it('is judged by the load balancer, after a boot grace, and refreshed launch-before-terminate on a new template version', () => {
    const group = inputs(runs.fleet!.mocks.one(ASG));
    const template = runs.fleet!.mocks.one(LT);
    expect(group).toMatchObject({ minSize: 2, maxSize: 4, healthCheckType: 'ELB', targetGroupArns: [runs.fleet!.mocks.one(TG).id] });
    expect(group.healthCheckGracePeriod).toBeGreaterThanOrEqual(60);
    expect(group.launchTemplate).toEqual({ id: template.id, version: String(template.state.latestVersion) });
    expect(group.instanceRefresh).toEqual({ strategy: 'Rolling', preferences: { minHealthyPercentage: 100, maxHealthyPercentage: 200 } });
  });

  it('waits for the release manifest and the role\'s policies, and the release waits for the group', () => {
    const group = runs.fleet!.created.find((c) => c.type === ASG)!;
    expect(group.dependsOn).toEqual(expect.arrayContaining(['berth-release-manifest', 'berth-read-params', 'berth-read-db-secret', 'berth-write-logs']));
    expect(runs.fleet!.created.find((c) => c.type === ASSOCIATION)!.dependsOn).toContain('berth-hosts');
  });

  it('scales on CPU only with cpuTarget, and then leaves the desired capacity to the policy', () => {
    expect(runs.fleet!.mocks.ofType('aws:autoscaling/policy:Policy')).toEqual([]);
    const policy = inputs(runs.zone!.mocks.one('aws:autoscaling/policy:Policy'));
    expect(policy).toMatchObject({ autoscalingGroupName: runs.zone!.mocks.one(ASG).id, policyType: 'TargetTrackingScaling', targetTrackingConfiguration: { predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageCPUUtilization' }, targetValue: 55 } });
    expect(runs.zone!.created.find((c) => c.type === ASG)!.ignoreChanges).toEqual(['desiredCapacity']);
    expect(runs.fleet!.created.find((c) => c.type === ASG)!.ignoreChanges).toBeUndefined();
  });
});

describe('the load balancer', () => {
  it('health-checks the app\'s health path through each host\'s proxy, with the numbers the simulated one copies', () => {
    const tg = inputs(runs.fleet!.mocks.one(TG));
    expect(tg).toMatchObject({ protocol: 'HTTP', port: 80, targetType: 'instance', vpcId: DEFAULT_VPC.id, deregistrationDelay: TARGET_HEALTH.deregistrationDelayS });
    expect(tg.healthCheck).toMatchObject({ path: '/healthz', port: 'traffic-port', interval: TARGET_HEALTH.intervalS, healthyThreshold: TARGET_HEALTH.healthyThreshold, unhealthyThreshold: TARGET_HEALTH.unhealthyThreshold });
    expect(inputs(runs.app!.mocks.one(TG)).healthCheck.path).toBe('/up');
  });

  it('without a domain: 80 forwards to the hosts, and the url is the load balancer\'s name', () => {
    const [http] = runs.fleet!.mocks.ofType(LISTENER).map(inputs);
    expect(runs.fleet!.mocks.ofType(LISTENER)).toHaveLength(1);
    expect(http).toMatchObject({ port: 80, protocol: 'HTTP', defaultActions: [{ type: 'forward', targetGroupArn: runs.fleet!.mocks.one(TG).id }] });
    expect(runs.fleet!.outputs.url!.value).toBe(`http://${runs.fleet!.mocks.one(LB).state.dnsName}/`);
    expect(runs.fleet!.outputs.dnsRecords!.value).toEqual([]);
  });

  it('with a domain: 80 redirects to 443, which ends TLS with the validated ACM certificate', () => {
    const listeners = runs.domain!.mocks.ofType(LISTENER).map(inputs);
    const certificate = runs.domain!.mocks.one('aws:acm/certificate:Certificate');
    expect(inputs(certificate)).toMatchObject({ domainName: 'notes.example.com', validationMethod: 'DNS' });
    expect(listeners.find((l) => l.port === 80)!.defaultActions).toEqual([{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }]);
    expect(listeners.find((l) => l.port === 443)).toMatchObject({ protocol: 'HTTPS', certificateArn: certificate.id, sslPolicy: expect.stringMatching(/^ELBSecurityPolicy-TLS13/) });
    expect(runs.domain!.outputs.url!.value).toBe('https://notes.example.com/');
  });

  it('without a hosted zone, the records to create are an output: ACM\'s validation record and the site at the load balancer', () => {
    const option = runs.domain!.mocks.one('aws:acm/certificate:Certificate').state.domainValidationOptions as any[];
    const records = runs.domain!.outputs.dnsRecords!.value as { name: string; type: string; value: string }[];
    expect(records.map((r) => [r.name, r.type, r.value])).toEqual([
      [option[0].resourceRecordName, 'CNAME', option[0].resourceRecordValue],
      ['notes.example.com.', 'CNAME', runs.domain!.mocks.one(LB).state.dnsName],
    ]);
    expect(runs.domain!.mocks.ofType('aws:route53/record:Record')).toEqual([]);
    expect(inputs(runs.domain!.mocks.one('aws:acm/certificateValidation:CertificateValidation')).validationRecordFqdns).toBeUndefined();
  });

  it('with a hosted zone, berth writes the validation record and the alias, and outputs nothing to create', () => {
    const records = runs.zone!.mocks.ofType('aws:route53/record:Record').map(inputs);
    const option = (runs.zone!.mocks.one('aws:acm/certificate:Certificate').state.domainValidationOptions as any[])[0];
    const lb = runs.zone!.mocks.one(LB);
    expect(records).toContainEqual(expect.objectContaining({ zoneId: 'Z0123456789ABCDEFGHIJ', name: option.resourceRecordName, type: 'CNAME', records: [option.resourceRecordValue] }));
    expect(records).toContainEqual(expect.objectContaining({ zoneId: 'Z0123456789ABCDEFGHIJ', name: 'notes.example.com', type: 'A', aliases: [{ name: lb.state.dnsName, zoneId: lb.state.zoneId, evaluateTargetHealth: true }] }));
    expect(inputs(runs.zone!.mocks.one('aws:acm/certificateValidation:CertificateValidation')).validationRecordFqdns).toEqual([option.resourceRecordName.replace(/\.$/, '')]);
    expect(runs.zone!.outputs.dnsRecords!.value).toEqual([]);
  });
});

describe('the database', () => {
  it('is encrypted, backed up for backupDays, protected from deletion, with a final snapshot, and its password RDS\'s', () => {
    const db = inputs(runs.zone!.mocks.one(RDS));
    expect(db).toMatchObject({ engine: 'postgres', storageEncrypted: true, backupRetentionPeriod: 21, multiAz: true, deletionProtection: true, skipFinalSnapshot: false, manageMasterUserPassword: true, instanceClass: 'db.t4g.micro', allocatedStorage: 20 });
    expect(db.finalSnapshotIdentifier).toMatch(/^[a-z][a-z0-9-]*$/);
    expect(db.password).toBeUndefined();
    expect(db.dbSubnetGroupName).toBe(runs.zone!.mocks.one('aws:rds/subnetGroup:SubnetGroup').state.name);
    expect(inputs(runs.fleet!.mocks.one(RDS)).backupRetentionPeriod).toBe(7);
  });

  it('outputs its endpoint and its secret\'s ARN, never a password', () => {
    const rds = runs.fleet!.mocks.one(RDS);
    expect(runs.fleet!.outputs.databaseEndpoint!.value).toBe(rds.state.endpoint);
    expect(runs.fleet!.outputs.databaseSecretArn!.value).toBe((rds.state.masterUserSecrets as any[])[0].secretArn);
    for (const [key, output] of Object.entries(runs.fleet!.outputs)) {
      for (const canary of [TOKEN_CANARY, ENV_CANARY]) expect(JSON.stringify(output.value) ?? '', key).not.toContain(canary);
    }
  });

  it('engine none: no database, no secret to read, and the hosts are told of none', () => {
    const types = new Set(runs.stateless!.mocks.resources.map((r) => r.type));
    for (const type of [RDS, 'aws:rds/subnetGroup:SubnetGroup', 'berth:database:Database']) expect(types).not.toContain(type);
    expect(runs.stateless!.mocks.ofType(SG).map((r) => r.name).sort()).toEqual(['berth-alb-sg', 'berth-hosts-sg']);
    expect(runs.stateless!.mocks.ofType(POLICY).map((r) => r.name)).not.toContain('berth-read-db-secret');
    expect(runs.stateless!.outputs.databaseEndpoint).toBeUndefined();
  });
});

describe('releases over the fleet', () => {
  it('target the fleet\'s tag, maxUnavailable hosts at a time, and stop at the first failure', () => {
    expect(inputs(runs.fleet!.mocks.one(ASSOCIATION))).toMatchObject({ targets: [{ key: 'tag:berth:fleet', values: ['dev'] }], maxConcurrency: '1', maxErrors: '0' });
    expect(inputs(runs.zone!.mocks.one(ASSOCIATION))).toMatchObject({ maxConcurrency: '2', maxErrors: '0' });
    // A single host's association has no rate control: it has one target.
    const single = inputs(runs.single!.mocks.one(ASSOCIATION));
    expect(single.maxConcurrency).toBeUndefined();
    expect(single.maxErrors).toBeUndefined();
  });

  it('carry a host setup without a data volume, on the target group\'s port', () => {
    const hostEnv = bundleOf(runs.domain!).get('host.env')!;
    expect(hostEnv).toMatch(/^BERTH_VOLUME_ID=''$/m);
    expect(hostEnv).toMatch(/^BERTH_PROXY_PORT=8080$/m);
    expect(bundleOf(runs.domain!).get('release.env')).not.toContain(TOKEN_CANARY);
  });

  it("run the app with the awslogs driver into the stack's log group; the release id the gate waits for is the host's", () => {
    const release = bundleOf(runs.zone!).get('release.env')!;
    const group = inputs(runs.zone!.mocks.one('aws:cloudwatch/logGroup:LogGroup')).name as string;
    expect(release).toMatch(/^ {2}--log-driver\n {2}awslogs$/m);
    expect(release).toContain(`awslogs-group=${group}\n`);
    expect(release).toMatch(/^BERTH_RELEASE=(\w+)$/m);
    expect(release.match(/^BERTH_RELEASE=(\w+)$/m)![1]).toBe(runs.zone!.outputs.releaseId!.value);
    // The single host keeps json-file.
    const single = bundleOf(runs.single!).get('release.env')!;
    expect(single).not.toContain('awslogs');
    expect(single).toContain('max-size=10m');
  });

  it('a new digest is a new release, and leaves the template and the group untouched (two runs\' inputs compared)', () => {
    const [a, b] = [runs.digestA!, runs.digestB!];
    expect(inputs(b.mocks.one(ASSOCIATION)).parameters.manifest).not.toBe(inputs(a.mocks.one(ASSOCIATION)).parameters.manifest);
    for (const type of [LT, ASG, TG, LB, RDS, SG]) {
      expect(b.mocks.ofType(type).map(inputs), type).toEqual(a.mocks.ofType(type).map(inputs));
    }
  });
});

describe('the hosts\' role', () => {
  const policyOf = (run: ProgramRun, name: string) => JSON.parse(inputs(named(run, POLICY, name)).policy) as { Statement: { Effect: string; Action: string[]; Resource: string[] }[] };

  it('may read the database\'s secret and nothing else in Secrets Manager', () => {
    const secretArn = (runs.fleet!.mocks.one(RDS).state.masterUserSecrets as any[])[0].secretArn;
    expect(policyOf(runs.fleet!, 'berth-read-db-secret').Statement).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: [secretArn] })]);
  });

  it('may write only to the stack\'s log group, whose retention is logRetentionDays', () => {
    const group = runs.zone!.mocks.one('aws:cloudwatch/logGroup:LogGroup');
    expect(inputs(group)).toMatchObject({ name: '/berth/dev', retentionInDays: 30 });
    expect(inputs(runs.fleet!.mocks.one('aws:cloudwatch/logGroup:LogGroup')).retentionInDays).toBe(14);
    expect(policyOf(runs.zone!, 'berth-write-logs').Statement).toEqual([expect.objectContaining({ Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: [`${group.state.arn}:*`] })]);
    expect(runs.zone!.outputs.logGroupName!.value).toBe('/berth/dev');
  });

  it('has no wildcard resource in any policy berth writes', () => {
    for (const p of runs.zone!.mocks.ofType(POLICY)) {
      for (const statement of JSON.parse(inputs(p).policy).Statement) for (const resource of [statement.Resource].flat()) expect(resource, p.name).not.toMatch(/^\*$|^arn:aws:[a-z]+:[^:]*:[^:]*:\*$/);
    }
  });
});

describe('config refusals stop the program before anything is made', () => {
  it.each([
    [{ 'berth:fleet': JSON.stringify({ min: 2, max: 4, maxUnavailable: 2 }) }, 'berth:fleet.maxUnavailable: 2 would release every host'],
    [{ 'berth:fleet': '', 'berth:database': JSON.stringify({ engine: 'postgres' }) }, 'berth:database: only applies in fleet mode'],
    [{ 'berth:database': JSON.stringify({ storageGiB: 5 }) }, 'berth:database.storageGiB: must be a whole number of GiB from 20 to 65536'],
  ])('%j', async (overrides, message) => {
    const failed = deploy(stack(overrides));
    await expect(failed).rejects.toMatchObject({ name: ConfigError.name, registered: [] });
    await expect(failed).rejects.toThrow(message);
  });

  it('a type offered in one zone only is refused: a fleet needs two', async () => {
    vi.resetModules();
    const failed = runProgram(stack({ 'berth:instanceType': 'm7g.medium' }), SECRET_KEYS, async () => (await import('../../index.js')) as Record<string, unknown>, new AwsMocks({ offerings: { 'm7g.medium': ['us-east-1c'] } }));
    await expect(failed).rejects.toThrow('berth:instanceType: m7g.medium is offered in only us-east-1c of this region; a fleet needs 2 zones');
    await expect(failed).rejects.toMatchObject({ registered: [] });
  });
});
