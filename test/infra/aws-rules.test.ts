// The mocks refuse what AWS refuses. Policy: every field berth sets on a resource, under every stack
// config the tests use, has been decided on in test/support/aws-rules.ts (a rule, or a stated
// "no constraint"), the program breaks none of the rules, and each rule is shown refusing a bad
// value (naming its field, with AWS's error code) and taking a good one.
import { createHash } from 'node:crypto';
import type * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { AWS_RULES, type AwsWorld, type Rule, awsRuleViolations, checkAwsRules, uncoveredFields } from '../support/aws-rules.js';
import { ALB_HOSTED_ZONE_ID, DEFAULT_VPC, HOSTED_ZONES, defaultSubnet } from '../support/aws-account.js';
import { FLEET_BASELINES, FLEET_IDS, FLEET_WORLD } from '../support/aws-rules/fleet-baselines.js';
import { AwsMocks, type ProgramRun, plain, runProgram } from '../support/pulumi-mocks.js';
import { exampleConfig } from '../support/stack-config.js';

const SECRET_KEYS = ['berth:registryToken', 'berth:secretEnv'];
const secrets = (names: readonly string[]) => ({
  'berth:registryToken': 'dckr_pat_0123456789abcdefghijklmnopq',
  'berth:secretEnv': JSON.stringify(Object.fromEntries(names.map((n, i) => [n, `value-${i}-${'s'.repeat(40)}`]))),
});

/** A root certificate of a realistic size (an RSA 4096 root is about 1,900 characters of PEM). */
const pemRoot = (() => {
  const bytes = Buffer.concat(Array.from({ length: 44 }, (_, i) => createHash('sha256').update(`root-${i}`).digest()));
  return `-----BEGIN CERTIFICATE-----\n${bytes.toString('base64').match(/.{1,64}/g)!.join('\n')}\n-----END CERTIFICATE-----\n`;
})();

/** The stack configs the tests use. */
const CONFIGS: Record<string, Record<string, string>> = {
  'the example stack': { ...exampleConfig, ...secrets(['API_KEY', 'DB_PASSWORD']) },
  'a domain with its ACME settings': {
    ...exampleConfig, ...secrets(['API_KEY']),
    'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops@example.com', 'berth:acmeCa': 'https://acme.example.com/directory', 'berth:acmeCaRoot': pemRoot,
  },
  'several secret env names': { ...exampleConfig, ...secrets(['API_KEY', 'DB_PASSWORD', 'SMTP_PASSWORD', 'SESSION_SECRET', 'STRIPE_KEY', 'SENTRY_DSN']) },
  'a Graviton type': { ...exampleConfig, ...secrets(['API_KEY']), 'berth:instanceType': 't4g.small' },
  'a pinned digest': { ...exampleConfig, ...secrets(['API_KEY']), 'berth:pinDigest': `sha256:${'e'.repeat(64)}` },
  // IPv6 networks need a VPC with an IPv6 block (config refuses them otherwise): deploy() gives it one.
  'host port 8080 and IPv6 networks': {
    ...exampleConfig, ...secrets([]),
    'berth:hostPort': '8080', 'berth:allowedCidrs': '["203.0.113.0/24","198.51.100.7/32","2001:db8::/32","2001:db8:1234::/48"]',
  },
  // Fleet mode (issue 14), with every part it can make: the database, ACM and Route 53, the policy.
  'a fleet with a database, a domain in Route 53 and a CPU target': {
    ...exampleConfig, ...secrets(['API_KEY']),
    'berth:fleet': JSON.stringify({ min: 2, max: 4, cpuTarget: 60 }), 'berth:domain': 'notes.example.com', 'berth:hostedZoneId': 'Z0123456789ABCDEFGHIJ',
  },
};

async function deploy(config: Record<string, string>): Promise<ProgramRun> {
  vi.resetModules();
  const ipv6 = (config['berth:allowedCidrs'] ?? '').includes(':');
  return runProgram(config, SECRET_KEYS, async () => (await import('../../index.js')) as Record<string, unknown>, new AwsMocks(ipv6 ? { vpcIpv6Cidr: '2600:1f18:4a3:6e00::/56' } : {}));
}

const runs = new Map<string, ProgramRun>();
// Seven programs in a row: more than the default 10 s hook on a loaded machine.
beforeAll(async () => {
  for (const [name, config] of Object.entries(CONFIGS)) runs.set(name, await deploy(config));
}, 120_000);

/** The cloud resources a run registered: not berth's components, not the stack. */
const cloudResources = (run: ProgramRun) => run.mocks.resources.filter((r) => !r.type.startsWith('berth:') && !r.type.startsWith('pulumi:'));

describe('the program, under every stack config the tests use', () => {
  it.each(Object.keys(CONFIGS))('%s: sets no field the rules have not decided on', (name) => {
    const run = runs.get(name)!;
    expect(cloudResources(run).length).toBeGreaterThan(10);
    for (const r of cloudResources(run)) expect(uncoveredFields(r.type, plain(r.inputs) as Record<string, any>), `${r.type} ${r.name}`).toEqual([]);
  });

  it.each(Object.keys(CONFIGS))('%s: breaks none of the rules', (name) => {
    const run = runs.get(name)!;
    for (const r of cloudResources(run)) expect(awsRuleViolations(r.type, plain(r.inputs) as Record<string, any>, run.mocks.world), `${r.type} ${r.name}`).toEqual([]);
  });

  it('makes every type the rules know, and the rules know every type it makes', () => {
    const made = new Set([...runs.values()].flatMap((run) => cloudResources(run).map((r) => r.type)));
    // The fleet's types (issue 14) are known before a stack config here makes a fleet: each has a
    // baseline of its own (aws-rules/fleet-baselines.ts), held to the rules below.
    expect([...new Set([...made, ...Object.keys(FLEET_BASELINES)])].sort()).toEqual(Object.keys(AWS_RULES).sort());
  });

  it('the fleet baselines break none of the rules and set no field the rules have not decided on', () => {
    for (const [type, inputs] of Object.entries(FLEET_BASELINES)) {
      expect(awsRuleViolations(type, inputs, FLEET_WORLD), type).toEqual([]);
      expect(uncoveredFields(type, inputs), type).toEqual([]);
    }
  });

  it('a field the table has no entry for is reported, so someone decides on it', () => {
    const run = runs.get('the example stack')!;
    const volume = plain(run.mocks.one('aws:ebs/volume:Volume').inputs) as Record<string, any>;
    expect(uncoveredFields('aws:ebs/volume:Volume', { ...volume, throughput: 250 })).toEqual(['throughput']);
    const instance = plain(run.mocks.one('aws:ec2/instance:Instance').inputs) as Record<string, any>;
    expect(uncoveredFields('aws:ec2/instance:Instance', { ...instance, metadataOptions: { ...instance.metadataOptions, instanceMetadataTags: 'enabled' } }))
      .toEqual(['metadataOptions.instanceMetadataTags']);
    const sg = plain(run.mocks.one('aws:ec2/securityGroup:SecurityGroup').inputs) as Record<string, any>;
    expect(uncoveredFields('aws:ec2/securityGroup:SecurityGroup', { ...sg, ingress: [{ ...sg.ingress[0], self: true }] })).toEqual(['ingress[].self']);
  });

  it("the mocks refuse what the rules refuse, on create: the group description berth had before stops the run with AWS's answer", () => {
    const run = runs.get('the example stack')!;
    const sg = run.mocks.one('aws:ec2/securityGroup:SecurityGroup');
    const mocks = new AwsMocks();
    const register = (description: string) =>
      mocks.newResource({ type: sg.type, name: 'berth-sg', inputs: { ...sg.inputs, description }, custom: true, provider: '' } as pulumi.runtime.MockResourceArgs);
    expect(() => register("berth berth: the app's ports only; no SSH (use SSM)")).toThrow(
      /^mock: InvalidParameterValue: aws:ec2\/securityGroup:SecurityGroup description: Invalid security group description/,
    );
    expect(mocks.resources).toEqual([]);
    expect(register(String(plain(sg.inputs.description))).id).toMatch(/^sg-/);
  });
});

// --- each rule, refusing a bad value and taking a good one -----------------------------------------

/** A change to a resource's inputs (and, for a rule that reads the account, to the account). */
interface Patch {
  readonly patch: (inputs: Record<string, any>) => Record<string, any>;
  readonly world?: (world: AwsWorld) => AwsWorld;
  /** The concrete field the refusal names, when it is not the example's own. */
  readonly field?: string;
}
const patch = (fn: Patch['patch'], more: Omit<Patch, 'patch'> = {}): Patch => ({ patch: fn, ...more });
interface Example {
  readonly good: readonly unknown[];
  readonly bad: readonly unknown[];
}
const ex = (good: unknown | unknown[], bad: unknown | unknown[]): Example => ({ good: ([] as unknown[]).concat(good), bad: ([] as unknown[]).concat(bad) });
const isPatch = (v: unknown): v is Patch => typeof v === 'object' && v !== null && 'patch' in v;

/** Sets a field path (`a[]` meaning the first element) in a copy of the inputs; gives the concrete path. */
function setField(inputs: Record<string, any>, fieldPath: string, value: unknown): { inputs: Record<string, any>; field: string } {
  const copy = structuredClone(inputs);
  const parts = fieldPath.split('.');
  let holder: any = copy;
  for (const [i, part] of parts.entries()) {
    const last = i === parts.length - 1;
    const key = part.replace(/\[\]$/, '');
    if (part.endsWith('[]')) {
      holder[key] ??= [{}];
      if (last) holder[key][0] = value;
      else holder = holder[key][0];
    } else if (last) holder[key] = value;
    else holder = holder[key] ??= {};
  }
  return { inputs: copy, field: fieldPath.replace(/\[\]/g, '[0]') };
}

const tags = (n: number, extra: Record<string, string> = {}) => ({ ...Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v'])), ...extra });
const ec2TagExamples = {
  '#count': ex([tags(50)], [tags(51)]),
  '#reserved-prefix': ex([{ 'aws-team': 'platform', Name: 'berth-x' }], [{ 'aws:cloudformation:stack-name': 'berth' }, { 'AWS:owner': 'me' }]),
  '#length': ex([{ ['k'.repeat(128)]: 'v'.repeat(256), 'note': 'naïve ünïcode; any character (EC2)' }], [{ ['k'.repeat(129)]: 'v' }, { Name: 'v'.repeat(257) }]),
};
const iamTagExamples = {
  '#count': ex([tags(50)], [tags(51)]),
  '#text': ex([{ Name: 'berth-role', 'cost-center': 'a b:c/d=e+f-g@h_i.j' }], [{ 'cost;center': 'x' }, { Name: 'berth!' }, { 'aws:owner': 'me' }, { ['k'.repeat(129)]: 'v' }]),
};
const ssmTagExamples = {
  '#count': ex([tags(50)], [tags(51)]),
  '#text': ex([{ Name: 'berth-deploy', 'cost-center': 'a b:c/d=e+f-g@h_i.j' }], [{ 'cost;center': 'x' }, { Name: 'berth!' }, { ['k'.repeat(129)]: 'v' }]),
};
const withPrefix = (field: string, examples: Record<string, Example>) => Object.fromEntries(Object.entries(examples).map(([k, v]) => [`${field}${k}`, v]));

/** Puts rule 0 of a direction through tcp ports, so its port rules apply. */
const sgRule = (direction: string, changes: Record<string, unknown>, field?: string) =>
  patch((i) => ({ ...i, [direction]: [{ ...i[direction][0], protocol: 'tcp', fromPort: 443, toPort: 443, cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: [], ...changes }] }), field ? { field } : {});
const sgRuleExamples = (d: 'ingress' | 'egress') => ({
  [`${d}[].description#charset`]: ex(['HTTP, redirected to HTTPS, and ACME challenges', 'x'.repeat(255)], ["the app's port", 'x'.repeat(256), 'to the app → proxy']),
  [`${d}[].protocol#protocol`]: ex(['tcp', 'udp', 'icmpv6', '-1', '6'], ['ssh', '256']),
  [`${d}[].fromPort#port-range`]: ex([sgRule(d, { fromPort: 0, toPort: 65535 })], [sgRule(d, { fromPort: 444 }, `${d}[0].fromPort`), sgRule(d, { fromPort: -1 }, `${d}[0].fromPort`)]),
  [`${d}[].toPort#port`]: ex([sgRule(d, { toPort: 65535 })], [sgRule(d, { toPort: 65536 }, `${d}[0].toPort`)]),
  // A group the world holds passes too (every fleet program run in this file refers to its own).
  [`${d}[].securityGroups#exists`]: ex([[]], [['sg-0123456789abcdef0']]),
  [`${d}[].cidrBlocks#ipv4-network`]: ex([['0.0.0.0/0', '203.0.113.0/24', '198.51.100.7/32']], [['203.0.113.7/24'], ['300.1.1.1/32'], ['10.0.0.0/33']]),
  [`${d}[].ipv6CidrBlocks#ipv6-network`]: ex([['::/0', '2001:db8::/32', '2001:db8:0:1::/64']], [['2001:db8::1/32'], ['2001:db8::/129'], ['10.0.0.0/8']]),
  [`${d}#quota`]: ex(
    [patch((i) => ({ ...i, [d]: [{ ...i[d][0], cidrBlocks: Array.from({ length: 60 }, (_, n) => `10.${n}.0.0/16`) }] }))],
    [
      patch((i) => ({ ...i, [d]: [{ ...i[d][0], cidrBlocks: Array.from({ length: 61 }, (_, n) => `10.${n}.0.0/16`) }] })),
      patch((i) => ({ ...i, [d]: [{ ...i[d][0], ipv6CidrBlocks: Array.from({ length: 61 }, (_, n) => `2001:db8:${n.toString(16)}::/48`) }] })),
    ],
  ),
});

const trust = (statement: Record<string, unknown>, version = '2012-10-17') => JSON.stringify({ Version: version, Statement: [statement] });
const EC2_TRUST = { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' };
const identity = (statement: Record<string, unknown>, version = '2012-10-17') => JSON.stringify({ Version: version, Statement: [statement] });
const READ = { Effect: 'Allow', Action: ['ssm:GetParameter'], Resource: ['arn:aws:ssm:us-east-1:123456789012:parameter/berth/dev/registry-token'] };
const manifest = (parts: number) => `us-east-1 ${'a'.repeat(64)}${Array.from({ length: parts }, (_, i) => ` /berth/dev/release/part-${i + 1}:1`).join('')}`;
const b64 = (bytes: number) => Buffer.alloc(bytes, 'x').toString('base64');
const commandDoc = (changes: Record<string, unknown>) =>
  JSON.stringify({ schemaVersion: '2.2', description: 'd', parameters: {}, mainSteps: [{ action: 'aws:runShellScript', name: 'a', inputs: { runCommand: ['true'] } }], ...changes });
/** The account with the document named `name` holding this content. */
const withDocument = (content: string) => (world: AwsWorld): AwsWorld => ({
  ...world,
  resource: (type, id) => (type === 'aws:ssm/document:Document' ? { inputs: { content }, state: { latestVersion: '1' } } : world.resource(type, id)),
});
/** The account holding these DB snapshots (DescribeDBSnapshots' answers; aws-account.ts DbSnapshot). */
const withDbSnapshots = (...snapshots: { id: string; status?: string; allocatedStorage?: number }[]) => (world: AwsWorld): AwsWorld => ({
  ...world,
  account: {
    ...world.account,
    dbSnapshots: snapshots.map((s) => ({ type: 'manual' as const, engine: 'postgres', engineVersion: '17.4', encrypted: true, status: 'available', allocatedStorage: 20, instance: 'berth-db-1a2b3c4', ...s })),
  },
});
const withVolumeIn = (zone: string) => (world: AwsWorld): AwsWorld => ({
  ...world,
  resource: (type, id) => (type === 'aws:ebs/volume:Volume' ? { inputs: { availabilityZone: zone }, state: {} } : world.resource(type, id)),
});

// --- the fleet's types (issue 14): examples against aws-rules/fleet-baselines.ts ------------------

const SUBNET = (zone: string) => defaultSubnet(zone).id;
const NO_SUBNET = 'subnet-0123456789abcdef0';
const NO_GROUP = 'sg-00000000000000000';
/** The tag rules most services share (serviceTags in aws-rules/shared.ts), with a map of tags. */
const serviceTagExamples = (reserved = 'aws:owner') => ({
  '#count': ex([tags(50)], [tags(51)]),
  '#text': ex([{ 'berth:stack': 'dev', 'cost-center': 'a b:c/d=e+f-g@h_i.j' }], [{ 'cost;center': 'x' }, { Name: 'berth!' }, { [reserved]: 'me' }, { ['k'.repeat(129)]: 'v' }]),
});
/** The same for Auto Scaling, whose tags are a list of {key, value, propagateAtLaunch}. */
const asgTags = (n: number, extra: { key: string; value: string }[] = []) => [...Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: 'v', propagateAtLaunch: true })), ...extra.map((t) => ({ ...t, propagateAtLaunch: true }))];
const without = (...keys: string[]) => (i: Record<string, any>) => Object.fromEntries(Object.entries(i).filter(([k]) => !keys.includes(k)));
const asA = (records: string[], type = 'A') => patch((i) => ({ ...without('aliases')(i), type, records, ttl: 300 }), { field: 'records' });
const b64text = (text: string) => Buffer.from(text).toString('base64');

const FLEET_EXAMPLES: Record<string, Record<string, Example>> = {
  'aws:ec2/launchTemplate:LaunchTemplate': {
    'name#pattern': ex(['berth-fleet-1a2b3c4', 'a(b).c/d_e'], ['lt', 'berth fleet', 'x'.repeat(129)]),
    'namePrefix#pattern': ex(['berth-fleet-'], ['berth fleet', 'x'.repeat(103)]),
    'description#length': ex(['x'.repeat(255)], ['x'.repeat(256)]),
    'imageId#exists': ex(['ami-05b10e08d247fb927'], ['ami-0123456789abcdef0', 'ami-0d7a109bf30624c99']),
    'instanceType#offered': ex(['t3.small', 't3.medium'], ['x9.huge']),
    'instanceType#architecture': ex([patch((i) => ({ ...i, instanceType: 't4g.small', imageId: 'ami-0c5777a14602ab4b9' }))], ['t4g.small']),
    'userData#base64': ex([b64(16 * 1024), b64text('#!/bin/sh\necho hi\n')], [b64(16 * 1024 + 1), '#!/bin/sh\necho hi\n']),
    'iamInstanceProfile.name#exists': ex([FLEET_IDS.profile], ['no-such-profile']),
    'iamInstanceProfile.arn#arn': ex(
      [patch((i) => ({ ...i, iamInstanceProfile: { arn: `arn:aws:iam::123456789012:instance-profile/${FLEET_IDS.profile}` } }))],
      [`arn:aws:iam::123456789012:instance-profile/${FLEET_IDS.profile}`, patch((i) => ({ ...i, iamInstanceProfile: { arn: FLEET_IDS.profile } }), { field: 'iamInstanceProfile.arn' })],
    ),
    'vpcSecurityGroupIds#exists': ex([[FLEET_IDS.hostGroup]], [[NO_GROUP]]),
    'metadataOptions.httpEndpoint#enum': ex(['enabled', 'disabled'], ['on']),
    'metadataOptions.httpTokens#enum': ex(['required', 'optional'], ['mandatory']),
    'metadataOptions.httpPutResponseHopLimit#range': ex([1, 64], [0, 65]),
    'metadataOptions.instanceMetadataTags#enum': ex(['enabled', 'disabled'], ['on']),
    'blockDeviceMappings[].deviceName#available': ex(['/dev/xvda', '/dev/sdf'], ['/dev/sdf1', '/dev/nvme0n1']),
    'blockDeviceMappings[].ebs.volumeType#enum': ex(['gp3', 'io2'], ['gp4']),
    'blockDeviceMappings[].ebs.volumeSize#range': ex([8, 65536], [0, 65537, patch((i) => ({ ...i, blockDeviceMappings: [{ ...i.blockDeviceMappings[0], ebs: { ...i.blockDeviceMappings[0].ebs, volumeType: 'gp2', volumeSize: 16385 } }] }), { field: 'blockDeviceMappings[0].ebs.volumeSize' })]),
    'tagSpecifications[].resourceType#enum': ex(['instance', 'volume', 'network-interface'], ['launch-template', 'Instance']),
    ...withPrefix('tagSpecifications[].tags', ec2TagExamples),
    ...withPrefix('tags', ec2TagExamples),
  },
  'aws:autoscaling/group:Group': {
    'name#pattern': ex(['berth-fleet', 'x'.repeat(255)], ['', 'x'.repeat(256)]),
    'namePrefix#length': ex(['berth-fleet-'], ['x'.repeat(230)]),
    'minSize#range': ex([0, 2], [-1, 1.5, patch((i) => ({ ...i, minSize: 5, maxSize: 4, desiredCapacity: 4 }), { field: 'minSize' })]),
    'maxSize#range': ex([4, 10000], [10001, 2.5]),
    'desiredCapacity#between-min-and-max': ex([2, 4], [5, 1, -1]),
    'vpcZoneIdentifiers#exist': ex([[SUBNET('us-east-1a'), SUBNET('us-east-1f')]], [[NO_SUBNET], [SUBNET('us-east-1a'), 'subnet-0fffffffffffffff0']]),
    'launchTemplate.id#id-or-name': ex(['lt-0123456789abcdef0'], ['lt-1', 'berth-fleet', patch((i) => ({ ...i, launchTemplate: { ...i.launchTemplate, name: 'berth-fleet' } }), { field: 'launchTemplate.id' })]),
    'launchTemplate.name#pattern': ex(
      [patch((i) => ({ ...i, launchTemplate: { name: 'berth-fleet-1a2b3c4', version: '$Latest' } }))],
      [patch((i) => ({ ...i, launchTemplate: { name: 'berth fleet', version: '$Latest' } }), { field: 'launchTemplate.name' }), patch((i) => ({ ...i, launchTemplate: { name: 'lt', version: '$Latest' } }), { field: 'launchTemplate.name' })],
    ),
    'launchTemplate.version#version': ex(['$Latest', '$Default', '3'], ['latest', '0', 'v3']),
    'healthCheckType#enum': ex(['ELB', 'EC2'], ['ALB', 'elb']),
    'healthCheckGracePeriod#range': ex([0, 300], [-1, 1.5]),
    'defaultInstanceWarmup#range': ex([0, 300], [-5]),
    'targetGroupArns#arn': ex([[FLEET_IDS.targetGroup]], [['berth-tg'], [FLEET_IDS.loadBalancer]]),
    'instanceRefresh.strategy#enum': ex(['Rolling', 'ReplaceRootVolume'], ['Rollout', 'rolling']),
    'instanceRefresh.preferences.minHealthyPercentage#range': ex([100, 90], [101, -1]),
    'instanceRefresh.preferences.maxHealthyPercentage#range': ex([100, 200], [99, 201, patch((i) => ({ ...i, instanceRefresh: { ...i.instanceRefresh, preferences: { ...i.instanceRefresh.preferences, minHealthyPercentage: 50 } } }), { field: 'instanceRefresh.preferences.maxHealthyPercentage' })]),
    'instanceRefresh.preferences.instanceWarmup#range': ex(['120', 0], [-1, 'soon']),
    'initialLifecycleHooks[].name#pattern': ex(['berth-release/on_launch'], ['release hook', 'x'.repeat(256)]),
    'initialLifecycleHooks[].lifecycleTransition#enum': ex(['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING'], ['EC2_INSTANCE_LAUNCHING']),
    'initialLifecycleHooks[].heartbeatTimeout#range': ex([30, 7200], [29, 7201]),
    'initialLifecycleHooks[].defaultResult#enum': ex(['CONTINUE', 'ABANDON'], ['FAIL']),
    'terminationPolicies#enum': ex([['OldestLaunchTemplate', 'Default'], ['NewestInstance']], [['Oldest'], ['Default', 'youngest']]),
    'metricsGranularity#enum': ex(['1Minute'], ['5Minute']),
    'tags#count': ex([asgTags(50)], [asgTags(51)]),
    'tags#text': ex([asgTags(1, [{ key: 'berth:fleet', value: 'a b:c/d=e+f-g@h_i.j' }])], [asgTags(0, [{ key: 'aws:owner', value: 'me' }]), asgTags(0, [{ key: 'a;b', value: 'x' }]), asgTags(0, [{ key: 'k', value: 'v'.repeat(257) }])]),
  },
  'aws:autoscaling/policy:Policy': {
    'name#pattern': ex(['berth-cpu'], ['', 'x'.repeat(256)]),
    'autoscalingGroupName#pattern': ex(['berth-fleet-1a2b3c4'], ['x'.repeat(256)]),
    'policyType#enum': ex(['TargetTrackingScaling', 'StepScaling'], ['TargetTracking']),
    'estimatedInstanceWarmup#policy-type': ex([0, 300], [-1, patch((i) => ({ ...i, policyType: 'SimpleScaling' }), { field: 'estimatedInstanceWarmup' })]),
    'targetTrackingConfiguration.predefinedMetricSpecification.predefinedMetricType#enum': ex(
      ['ASGAverageCPUUtilization', patch((i) => ({ ...i, targetTrackingConfiguration: { ...i.targetTrackingConfiguration, predefinedMetricSpecification: { predefinedMetricType: 'ALBRequestCountPerTarget', resourceLabel: 'app/berth-alb/0123/targetgroup/berth-tg/4567' } } }))],
      ['CPUUtilization', 'ALBRequestCountPerTarget'],
    ),
    'targetTrackingConfiguration.targetValue#range': ex(
      [60, 100, patch((i) => ({ ...i, targetTrackingConfiguration: { ...i.targetTrackingConfiguration, predefinedMetricSpecification: { predefinedMetricType: 'ASGAverageNetworkIn' }, targetValue: 1e6 } }))],
      [0, 101, -5, '60'],
    ),
  },
  'aws:lb/loadBalancer:LoadBalancer': {
    'name#pattern': ex(['berth-alb-1a2b3c4', 'a'.repeat(32)], ['internal-berth', '-berth', 'berth-', 'berth_alb', 'a'.repeat(33)]),
    'namePrefix#pattern': ex(['berth-', 'alb'], ['berth-alb', '-b']),
    'loadBalancerType#enum': ex(['application'], ['classic']),
    'ipAddressType#enum': ex(['ipv4', 'dualstack'], ['ipv6']),
    'subnets#exist': ex([[SUBNET('us-east-1a'), SUBNET('us-east-1b')]], [[NO_SUBNET, SUBNET('us-east-1a'), SUBNET('us-east-1b')]]),
    'subnets#two-zones': ex([[SUBNET('us-east-1a'), SUBNET('us-east-1f')]], [[SUBNET('us-east-1a')], [SUBNET('us-east-1c'), SUBNET('us-east-1c')]]),
    'securityGroups#exist': ex([[FLEET_IDS.albGroup, FLEET_IDS.hostGroup]], [[NO_GROUP], Array.from({ length: 6 }, () => FLEET_IDS.albGroup)]),
    'idleTimeout#range': ex([1, 4000], [0, 4001]),
    ...withPrefix('tags', serviceTagExamples()),
  },
  'aws:lb/targetGroup:TargetGroup': {
    'name#pattern': ex(['berth-tg-1a2b3c4', 'internal-tg'], ['berth_tg', '-tg', 'tg-', 'a'.repeat(33)]),
    'namePrefix#pattern': ex(['tg-'], ['berth-tg-', '-tg']),
    'port#range': ex([1, 65535], [0, 65536]),
    'protocol#enum': ex(['HTTP', 'HTTPS'], ['http', 'HTTP2']),
    'protocolVersion#enum': ex(['HTTP1', 'http2'], ['HTTP3']),
    'targetType#enum': ex(['instance', 'ip'], ['container']),
    'vpcId#exists': ex([DEFAULT_VPC.id], ['vpc-0123456789abcdef0']),
    'deregistrationDelay#range': ex([0, 3600], [3601, -1]),
    'slowStart#range': ex([0, 30, 900], [29, 901]),
    'healthCheck.path#path': ex(['/healthz', '/'], ['healthz', `/${'a'.repeat(1024)}`]),
    'healthCheck.port#port': ex(['traffic-port', '8080'], ['proxy', '0']),
    'healthCheck.protocol#enum': ex(['HTTP', 'https'], ['GRPC']),
    'healthCheck.matcher#http-codes': ex(['200', '200,202', '200-299', '200-499'], ['500', '199', '200-', '300-200', 'ok']),
    'healthCheck.interval#range': ex([6, 300], [4, 301]),
    'healthCheck.timeout#range': ex([2, 9, patch((i) => ({ ...i, healthCheck: { ...i.healthCheck, interval: 300, timeout: 120 } }))], [1, 121, 10, patch((i) => ({ ...i, healthCheck: { ...i.healthCheck, interval: 5, timeout: 5 } }), { field: 'healthCheck.timeout' })]),
    'healthCheck.healthyThreshold#range': ex([2, 10], [1, 11]),
    'healthCheck.unhealthyThreshold#range': ex([2, 10], [1, 11]),
    'loadBalancingAlgorithmType#enum': ex(['round_robin', 'least_outstanding_requests'], ['random']),
    'stickiness.type#enum': ex(['lb_cookie', 'app_cookie'], ['cookie']),
    'stickiness.cookieDuration#range': ex([1, 604800], [0, 604801]),
    ...withPrefix('tags', serviceTagExamples()),
  },
  'aws:lb/listener:Listener': {
    'loadBalancerArn#arn': ex([FLEET_IDS.loadBalancer], ['berth-alb', FLEET_IDS.loadBalancer.replace('/app/', '/net/'), FLEET_IDS.targetGroup]),
    'port#range': ex([80, 443], [0, 65536]),
    'protocol#enum': ex(['HTTPS'], ['HTTP2', 'https']),
    'certificateArn#acm-arn': ex([FLEET_IDS.certificate], ['notes.example.com', 'arn:aws:acm:us-east-1:123456789012:certificate/xyz']),
    'sslPolicy#policy': ex(['ELBSecurityPolicy-TLS13-1-2-2021-06', 'ELBSecurityPolicy-2016-08'], ['TLS1.2', patch((i) => ({ ...i, protocol: 'HTTP', port: 80 }), { field: 'sslPolicy' })]),
    'defaultActions[].type#enum': ex(['forward'], ['forwarding', 'Forward']),
    'defaultActions[].type#https-certificate': ex(
      [patch((i) => ({ ...without('certificateArn', 'sslPolicy')(i), protocol: 'HTTP', port: 80 }))],
      [patch(without('certificateArn'), { field: 'defaultActions[0].type' })],
    ),
    'defaultActions[].type#config': ex(
      ['forward', patch((i) => ({ ...i, defaultActions: [{ type: 'redirect', redirect: { protocol: 'HTTPS', port: '443', statusCode: 'HTTP_301' } }] }))],
      [patch((i) => ({ ...i, defaultActions: [{ type: 'redirect' }] }), { field: 'defaultActions[0].type' }), patch((i) => ({ ...i, defaultActions: [{ type: 'forward' }] }), { field: 'defaultActions[0].type' })],
    ),
    'defaultActions[].targetGroupArn#arn': ex([FLEET_IDS.targetGroup], ['berth-tg', FLEET_IDS.loadBalancer]),
    'defaultActions[].order#range': ex([1, 50000], [0, 50001]),
    'defaultActions[].redirect.protocol#enum': ex(['HTTPS', '#{protocol}'], ['FTP', 'https']),
    'defaultActions[].redirect.port#port': ex(['443', '#{port}'], ['0', 'https']),
    'defaultActions[].redirect.statusCode#enum': ex(['HTTP_301', 'HTTP_302'], ['301', 'HTTP_308']),
    'defaultActions[].fixedResponse.statusCode#pattern': ex(['200', '503'], ['302', 'abc']),
    'defaultActions[].fixedResponse.contentType#enum': ex(['text/plain', 'application/json'], ['text/xml']),
    'defaultActions[].fixedResponse.messageBody#length': ex(['x'.repeat(1024)], ['x'.repeat(1025)]),
    ...withPrefix('tags', serviceTagExamples()),
  },
  'aws:rds/instance:Instance': {
    'identifier#pattern': ex(['berth-db-1', 'a'.repeat(63)], ['berth--db', 'berth-db-', '1berth', 'berth_db', 'a'.repeat(64)]),
    'identifierPrefix#pattern': ex(['berth-db-'], ['Berth', 'berth--', 'x'.repeat(38)]),
    'engine#enum': ex(['postgres'], ['postgresql', 'aurora']),
    'engine#master-username': ex([patch((i) => i)], [patch(without('username'), { field: 'engine' })]),
    'engine#master-password': ex(
      [patch((i) => i), patch((i) => ({ ...without('manageMasterUserPassword')(i), password: 'correct-horse-battery' }))],
      [patch((i) => ({ ...i, password: 'correct-horse-battery' }), { field: 'engine' }), patch(without('manageMasterUserPassword'), { field: 'engine' })],
    ),
    'engine#final-snapshot': ex([patch((i) => i), patch((i) => ({ ...without('finalSnapshotIdentifier')(i), skipFinalSnapshot: true }))], [patch(without('finalSnapshotIdentifier'), { field: 'engine' })]),
    'engineVersion#offered': ex(['16', '16.6', '17.4'], ['13.99', '16.99', 'latest']),
    'instanceClass#orderable': ex(['db.t4g.micro', 'db.r7g.large'], ['db.t4g.nano', 't4g.micro', 'db.x9.huge']),
    'storageType#enum': ex(['gp3', 'gp2'], ['gp4', 'GP3']),
    'allocatedStorage#range': ex([20, 65536, patch((i) => ({ ...i, storageType: 'io1', allocatedStorage: 100, maxAllocatedStorage: 200 }))], [19, 65537, 20.5, patch((i) => ({ ...i, storageType: 'io1' }), { field: 'allocatedStorage' })]),
    'maxAllocatedStorage#range': ex([21, 65536, 0], [20, 65537]),
    'iops#gp3-baseline': ex([patch((i) => ({ ...i, allocatedStorage: 400, maxAllocatedStorage: 1000, iops: 12000 }))], [3000]),
    'storageThroughput#gp3-baseline': ex([patch((i) => ({ ...i, allocatedStorage: 400, maxAllocatedStorage: 1000, storageThroughput: 500 }))], [125]),
    'kmsKeyId#arn': ex([FLEET_IDS.kmsKey, `arn:aws:kms:us-east-1:123456789012:alias/berth`], ['my-key', 'alias/berth']),
    'kmsKeyId#needs-encryption': ex([FLEET_IDS.kmsKey], [patch((i) => ({ ...i, storageEncrypted: false, kmsKeyId: FLEET_IDS.kmsKey }), { field: 'kmsKeyId' })]),
    'username#pattern': ex(['berth', 'app_user'], ['1berth', 'rdsadmin', 'app-user', 'x'.repeat(64)]),
    'password#length': ex(
      ['correct-horse-battery'],
      [patch((i) => ({ ...without('manageMasterUserPassword')(i), password: 'short' }), { field: 'password' }), patch((i) => ({ ...without('manageMasterUserPassword')(i), password: 'has/slash-and-long' }), { field: 'password' })],
    ),
    'masterUserSecretKmsKeyId#managed': ex([FLEET_IDS.kmsKey], [patch((i) => ({ ...without('manageMasterUserPassword')(i), password: 'correct-horse-battery', masterUserSecretKmsKeyId: FLEET_IDS.kmsKey }), { field: 'masterUserSecretKmsKeyId' })]),
    'dbName#pattern': ex(['berth', 'notes_1'], ['template1', '1db', '_notes', 'my-db']),
    'dbSubnetGroupName#pattern': ex(['berth-db-1a2b3c4', 'a b.c_d'], ['Berth DB', 'default']),
    'vpcSecurityGroupIds#exists': ex([[FLEET_IDS.dbGroup]], [[NO_GROUP]]),
    'backupRetentionPeriod#range': ex([0, 35], [36, -1]),
    'backupWindow#window': ex(['03:00-03:30', '23:45-00:15'], ['03:00-03:15', '3:00-4:00', '03:00']),
    'maintenanceWindow#window': ex(['sun:04:00-sun:04:30', 'Sat:23:45-Sun:00:30'], ['sun:04:00-sun:04:10', 'sunday:04:00-05:00']),
    'port#range': ex([5432, 1150], [1149, 65536]),
    'finalSnapshotIdentifier#pattern': ex(['berth-db-final', 'a'.repeat(255)], ['berth--final', '1final', 'final-', 'a'.repeat(256)]),
    'snapshotIdentifier#exists': ex(
      [patch((i) => ({ ...i, snapshotIdentifier: 'notes-before-upgrade' }), { world: withDbSnapshots({ id: 'notes-before-upgrade' }) })],
      ['notes-never-taken', patch((i) => ({ ...i, snapshotIdentifier: 'notes-still-copying' }), { world: withDbSnapshots({ id: 'notes-still-copying', status: 'creating' }) })],
    ),
    'allocatedStorage#restore-shrink': ex(
      [patch((i) => ({ ...i, snapshotIdentifier: 'notes-20', allocatedStorage: 20 }), { world: withDbSnapshots({ id: 'notes-20' }) }), patch((i) => ({ ...i, snapshotIdentifier: 'notes-20', allocatedStorage: 40, maxAllocatedStorage: 100 }), { world: withDbSnapshots({ id: 'notes-20' }) })],
      [patch((i) => ({ ...i, snapshotIdentifier: 'notes-50', allocatedStorage: 20 }), { world: withDbSnapshots({ id: 'notes-50', allocatedStorage: 50 }), field: 'allocatedStorage' })],
    ),
    'caCertIdentifier#enum': ex(['rds-ca-rsa2048-g1', 'rds-ca-ecc384-g1'], ['rds-ca-2019']),
    'networkType#enum': ex(['IPV4', 'DUAL'], ['ipv6']),
    ...withPrefix('tags', serviceTagExamples('rds:owner')),
  },
  'aws:rds/subnetGroup:SubnetGroup': {
    'name#pattern': ex(['berth-db-1a2b3c4', 'a b.c_d'], ['Berth', 'default', 'x'.repeat(256)]),
    'namePrefix#pattern': ex(['berth-db-'], ['Berth-']),
    'description#not-blank': ex(['x', 'x'.repeat(255)], ['', ' ', 'x'.repeat(256)]),
    'subnetIds#exist': ex([[SUBNET('us-east-1a'), SUBNET('us-east-1b')]], [[NO_SUBNET, SUBNET('us-east-1a'), SUBNET('us-east-1b')]]),
    'subnetIds#two-zones': ex([[SUBNET('us-east-1a'), SUBNET('us-east-1b')]], [[SUBNET('us-east-1a')], [SUBNET('us-east-1d'), SUBNET('us-east-1d')]]),
    ...withPrefix('tags', serviceTagExamples('rds:owner')),
  },
  'aws:acm/certificate:Certificate': {
    'domainName#pattern': ex(['notes.example.com', '*.example.com'], ['notes.example.com.', '-bad.example.com', 'localhost', 'a b.example.com']),
    'domainName#common-name': ex([`${'a'.repeat(52)}.example.com`], [`${'a'.repeat(53)}.example.com`]),
    'subjectAlternativeNames#names': ex([['www.example.com', '*.example.com']], [['bad..example.com'], Array.from({ length: 101 }, (_, n) => `h${n}.example.com`)]),
    'validationMethod#enum': ex(['DNS', 'EMAIL'], ['dns']),
    'keyAlgorithm#requestable': ex(['RSA_2048', 'EC_prime256v1'], ['RSA_4096', 'EC_secp521r1']),
    'options.certificateTransparencyLoggingPreference#enum': ex(['ENABLED', 'DISABLED'], ['ON']),
    ...withPrefix('tags', serviceTagExamples()),
  },
  'aws:acm/certificateValidation:CertificateValidation': {
    'certificateArn#arn': ex([FLEET_IDS.certificate], ['notes.example.com', 'arn:aws:acm:us-east-1:123456789012:cert/x']),
    'validationRecordFqdns#names': ex([['_3f2a1b.notes.example.com.', '_9c.www.notes.example.com']], [['not a name'], ['_x.example.com', 'a*b']]),
  },
  'aws:route53/record:Record': {
    'zoneId#exists': ex([HOSTED_ZONES[0]!.id, `/hostedzone/${HOSTED_ZONES[0]!.id}`], ['Z9999999999999999999']),
    'name#dns-name': ex(['notes.example.com', 'notes.example.com.'], [`${'a'.repeat(64)}.example.com`, 'a..example.com', `${'a.'.repeat(125)}example.com`]),
    'name#in-zone': ex(['example.com', 'x.notes.example.com'], ['notes.example.org', 'badexample.com']),
    'type#enum': ex(['A', 'AAAA', 'CNAME'], ['ALIAS', 'a']),
    'ttl#range': ex([patch((i) => ({ ...without('aliases')(i), records: ['203.0.113.7'], ttl: 300 }))], [60, patch((i) => ({ ...without('aliases')(i), records: ['203.0.113.7'], ttl: -1 }), { field: 'ttl' })]),
    'records#alias-or-records': ex([asA(['203.0.113.7'])], [['203.0.113.7']]),
    'records#values': ex([asA(['203.0.113.7', '198.51.100.1']), asA(['2001:db8::1'], 'AAAA'), asA(['alb.example.net'], 'CNAME')], [asA(['notes.example.net']), asA(['203.0.113.7'], 'AAAA'), asA(['a.example.net', 'b.example.net'], 'CNAME')]),
    'aliases[].name#length': ex(['berth-alb-1.us-east-1.elb.amazonaws.com'], ['', 'x'.repeat(1025)]),
    'aliases[].zoneId#length': ex([ALB_HOSTED_ZONE_ID], ['', 'Z'.repeat(33)]),
  },
  'aws:cloudwatch/logGroup:LogGroup': {
    'name#pattern': ex(['/berth/dev/app', 'berth#1.a_b-c'], ['aws/berth', 'berth app', 'x'.repeat(513)]),
    'namePrefix#pattern': ex(['/berth/'], ['aws/x', 'a b']),
    'retentionInDays#allowed': ex([14, 0, 3653], [15, 10000, -1]),
    'logGroupClass#enum': ex(['STANDARD', 'INFREQUENT_ACCESS'], ['COLD']),
    'kmsKeyId#arn': ex([FLEET_IDS.kmsKey], ['alias/aws/logs']),
    ...withPrefix('tags', serviceTagExamples()),
  },
};

/** One good and one bad value (or more) for every rule: `field#rule` per resource type. */
const EXAMPLES: Record<string, Record<string, Example>> = {
  'aws:ec2/securityGroup:SecurityGroup': {
    'description#charset': ex(['berth berth: the proxy ports from the allowed networks only; no SSH (use SSM)', 'x'.repeat(255)], ["berth: the app's ports only", 'x'.repeat(256), 'berth — web']),
    'name#pattern': ex(['berth-sg-1234567'], ['sg-berth', "berth's group", 'x'.repeat(256)]),
    'vpcId#exists': ex([DEFAULT_VPC.id], ['vpc-0123456789abcdef0']),
    ...sgRuleExamples('ingress'),
    ...sgRuleExamples('egress'),
    ...withPrefix('tags', ec2TagExamples),
  },
  'aws:ssm/parameter:Parameter': {
    'name#pattern': ex(['/berth/dev/secret-env/API_KEY', 'plain.name_1-2'], ['/berth/dev/secret env/API KEY', '/berth/dev/a*b', '/berth//x']),
    'name#reserved-prefix': ex(['/berth/aws-keys'], ['/aws/berth/x', 'SSM-param']),
    'name#levels': ex([`/${Array.from({ length: 15 }, (_, i) => `l${i}`).join('/')}`], [`/${Array.from({ length: 16 }, (_, i) => `l${i}`).join('/')}`]),
    'name#length': ex([`/${'a'.repeat(966)}`], [`/${'a'.repeat(967)}`]),
    'type#enum': ex(['String', 'SecureString'], ['Secure']),
    'value#not-empty': ex(['x'], ['']),
    'value#size': ex(['x'.repeat(4096), patch((i) => ({ ...i, tier: 'Advanced', value: 'x'.repeat(8192) }))], ['x'.repeat(4097), patch((i) => ({ ...i, tier: 'Advanced', value: 'x'.repeat(8193) }), { field: 'value' })]),
    'value#no-references': ex(['a{b}c {not a reference}'], ['token {{ssm:/other}}']),
    'description#length': ex(['x'.repeat(1024)], ['x'.repeat(1025)]),
    'tier#enum': ex(['Standard', 'Intelligent-Tiering'], ['Premium']),
    ...withPrefix('tags', ssmTagExamples),
  },
  'aws:iam/role:Role': {
    'name#pattern': ex(['berth-role-58ddc11', 'a+b=c,d.e@f_g-h'], ['berth role', 'x'.repeat(65), 'berth/role']),
    'path#pattern': ex(['/', '/berth/dev/'], ['berth', '/a b/', `/${'a'.repeat(511)}/`]),
    'description#pattern': ex(["berth berth: the host's instance role", 'x'.repeat(1000)], ['x'.repeat(1001), 'a role 🚀']),
    'assumeRolePolicy#characters': ex([trust(EC2_TRUST)], [trust({ ...EC2_TRUST, Sid: 'EC2 → role' })]),
    'assumeRolePolicy#grammar': ex(
      [trust(EC2_TRUST), trust({ ...EC2_TRUST, Action: ['sts:AssumeRole', 'sts:TagSession'] })],
      ['{"Version":', trust({ ...EC2_TRUST, Resource: '*' }), trust({ Effect: 'Allow', Action: 'sts:AssumeRole' }), trust({ ...EC2_TRUST, Action: 's3:GetObject' }), trust(EC2_TRUST, '2013-01-01'), trust({ ...EC2_TRUST, Effect: 'allow' })],
    ),
    'assumeRolePolicy#size': ex(
      [trust({ ...EC2_TRUST, Condition: { StringEquals: { 'aws:SourceAccount': 'x'.repeat(1800) } } })],
      [trust({ ...EC2_TRUST, Condition: { StringEquals: { 'aws:SourceAccount': 'x'.repeat(2000) } } })],
    ),
    'assumeRolePolicy#version': ex([trust(EC2_TRUST)], [trust(EC2_TRUST, '2008-10-17')]),
    'permissionsBoundary#arn': ex(['arn:aws:iam::123456789012:policy/berth-boundary', 'arn:aws:iam::aws:policy/PowerUserAccess'], ['arn:aws:iam::123456789012:role/berth', 'berth-boundary']),
    'maxSessionDuration#range': ex([3600, 43200], [60, 43201]),
    ...withPrefix('tags', iamTagExamples),
  },
  'aws:iam/rolePolicy:RolePolicy': {
    'role#pattern': ex(['berth-role-58ddc11'], ['berth role']),
    'name#pattern': ex(['berth-read-params-1234567'], ['read params', 'x'.repeat(129)]),
    'policy#characters': ex([identity(READ)], [identity({ ...READ, Sid: 'read→params' })]),
    'policy#grammar': ex(
      [identity(READ), identity({ Effect: 'Deny', NotAction: 'ssm:GetParameter', NotResource: '*' })],
      ['not json', identity({ Effect: 'Allow', Action: 'ssm:GetParameter' }), identity({ Effect: 'Allow', Resource: '*' }), identity({ ...READ, Principal: '*' }), identity({ ...READ, Effect: 'allow' }), identity(READ, '2020-01-01')],
    ),
    'policy#size': ex(
      [identity({ ...READ, Resource: Array.from({ length: 100 }, (_, i) => `arn:aws:ssm:us-east-1:123456789012:parameter/berth/dev/p${i}`) })],
      [identity({ ...READ, Resource: Array.from({ length: 200 }, (_, i) => `arn:aws:ssm:us-east-1:123456789012:parameter/berth/dev/p${i}`) })],
    ),
    'policy#version': ex([identity(READ)], [identity(READ, '2008-10-17')]),
    'policy#no-admin': ex([identity({ ...READ, Action: '*' }), identity({ ...READ, Resource: '*' })], [identity({ Effect: 'Allow', Action: '*', Resource: '*' }), identity({ Effect: 'Allow', Action: ['s3:GetObject', '*'], Resource: ['*'] })]),
  },
  'aws:iam/rolePolicyAttachment:RolePolicyAttachment': {
    'role#pattern': ex(['berth-role-58ddc11'], ['berth role']),
    'policyArn#arn': ex(['arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore', 'arn:aws:iam::aws:policy/service-role/AmazonEC2RoleforSSM'], ['AmazonSSMManagedInstanceCore', 'arn:aws:iam::aws:role/x']),
  },
  'aws:iam/instanceProfile:InstanceProfile': {
    'name#pattern': ex(['berth-profile-3664b1b'], ['berth profile', 'x'.repeat(129)]),
    'path#pattern': ex(['/berth/'], ['berth/']),
    'role#pattern': ex(['berth-role-58ddc11'], ['berth role']),
    ...withPrefix('tags', iamTagExamples),
  },
  'aws:ebs/volume:Volume': {
    'availabilityZone#zone': ex(['us-east-1a', 'us-east-1f'], ['us-east-1z', 'us-west-2a']),
    'size#range': ex([1, 65536, patch((i) => ({ ...i, type: 'gp2', size: 16384 }))], [0, 65537, 8.5, patch((i) => ({ ...i, type: 'gp2', size: 16385 }), { field: 'size' }), patch((i) => ({ ...i, type: 'st1', size: 8 }), { field: 'size' })]),
    'type#enum': ex(['gp3', 'io2'], ['gp4']),
    'snapshotId#id': ex(['snap-0123456789abcdef0', 'snap-89abcdef'], ['vol-0123456789abcdef0', 'snap-0123', 'snap-0123456789ABCDEF0']),
    ...withPrefix('tags', ec2TagExamples),
  },
  // Backups (issue 15): the single host's DLM policy.
  'aws:dlm/lifecyclePolicy:LifecyclePolicy': {
    'description#pattern': ex(['berth dev data volume snapshots', 'a_b-c'], ['berth dev.1', 'x'.repeat(501), '']),
    'executionRoleArn#arn': ex(['arn:aws:iam::123456789012:role/berth-role-dlm-1a2b3c4'], ['berth-role-dlm', 'arn:aws:iam::123456789012:user/x']),
    'state#enum': ex(['ENABLED', 'DISABLED'], ['PAUSED']),
    'policyDetails.policyType#enum': ex(['EBS_SNAPSHOT_MANAGEMENT'], ['EBS_SNAPSHOTS']),
    'policyDetails.resourceTypes#enum': ex([['VOLUME'], ['INSTANCE']], [['VOLUMES'], ['VOLUME', 'INSTANCE']]),
    'policyDetails.targetTags#required': ex([{ 'berth:backup': 'dev' }], [{}]),
    'policyDetails.schedules[].name#length': ex(['every 24 hours kept 7 days'], ['x'.repeat(501)]),
    'policyDetails.schedules[].createRule.interval#allowed': ex([1, 12, 24], [5, 48, 0]),
    'policyDetails.schedules[].createRule.intervalUnit#enum': ex(['HOURS'], ['DAYS']),
    'policyDetails.schedules[].retainRule.interval#range': ex([1, 36500], [0, 36501, 1.5]),
    'policyDetails.schedules[].retainRule.intervalUnit#enum': ex(['DAYS', 'YEARS'], ['HOURS']),
    'policyDetails.schedules[].retainRule.count#range': ex([1, 1000], [0, 1001]),
    ...withPrefix('tags', serviceTagExamples()),
  },
  'aws:ec2/instance:Instance': {
    'ami#exists': ex(['ami-05b10e08d247fb927'], ['ami-0123456789abcdef0', 'ami-0d7a109bf30624c99']),
    'instanceType#offered': ex(['t3.small'], [patch((i) => ({ ...i, availabilityZone: 'us-east-1e' }), { field: 'instanceType' })]),
    'instanceType#architecture': ex([patch((i) => ({ ...i, instanceType: 't4g.small', ami: 'ami-0c5777a14602ab4b9' }))], ['t4g.small']),
    'availabilityZone#zone': ex([patch((i) => ({ ...i, availabilityZone: 'us-east-1c', subnetId: defaultSubnet('us-east-1c').id }))], ['us-east-1z']),
    'subnetId#exists-in-zone': ex([defaultSubnet('us-east-1a').id], [defaultSubnet('us-east-1b').id, 'subnet-0123456789abcdef0']),
    'vpcSecurityGroupIds#exists': ex([patch((i) => i)], [['sg-00000000000000000']]),
    'iamInstanceProfile#exists': ex([patch((i) => i)], ['no-such-profile']),
    'metadataOptions.httpEndpoint#enum': ex(['enabled', 'disabled'], ['on']),
    'metadataOptions.httpTokens#enum': ex(['required', 'optional'], ['mandatory']),
    'metadataOptions.httpPutResponseHopLimit#range': ex([1, 64], [0, 65]),
    'rootBlockDevice.volumeType#enum': ex(['gp3', 'gp2'], ['gp4']),
    ...withPrefix('rootBlockDevice.tags', ec2TagExamples),
    'userDataBase64#size': ex([b64(16 * 1024)], [b64(16 * 1024 + 1), 'not base64!']),
    ...withPrefix('tags', ec2TagExamples),
  },
  'aws:ec2/volumeAttachment:VolumeAttachment': {
    'deviceName#available': ex(['/dev/sdf', '/dev/sdp', '/dev/sdz', 'xvdf', '/dev/xvdba', '/dev/sda2'], ['/dev/sdf1', '/dev/hda', '/dev/nvme1n1', 'sdf', '/dev/xvdea']),
    'deviceName#not-root': ex(['/dev/xvdf'], ['/dev/xvda', 'xvda']),
    'instanceId#exists': ex([patch((i) => i)], ['i-0123456789abcdef0']),
    'volumeId#same-zone': ex([patch((i) => i)], ['vol-0123456789abcdef0', patch((i) => i, { world: withVolumeIn('us-east-1b'), field: 'volumeId' })]),
  },
  'aws:ec2/eip:Eip': {
    'domain#enum': ex(['vpc'], ['classic']),
    'instance#exists': ex([patch((i) => i)], ['i-0123456789abcdef0']),
    ...withPrefix('tags', ec2TagExamples),
  },
  'aws:ssm/document:Document': {
    'name#pattern': ex(['berth-deploy-37d9fc4', 'a.b_c-d'], ['ab', 'berth deploy', 'x'.repeat(129)]),
    'name#reserved-prefix': ex(['berth-aws-deploy'], ['AWS-RunShellScript', 'amazon-deploy', 'AmznDeploy']),
    'content#size': ex([commandDoc({ description: 'x'.repeat(60 * 1024) })], [commandDoc({ description: 'x'.repeat(64 * 1024) })]),
    'content#schema': ex(
      [commandDoc({}), commandDoc({ parameters: { n: { type: 'Integer' }, m: { type: 'String', allowedPattern: '^[a-z]+$' } } })],
      ['{', commandDoc({ schemaVersion: '0.3' }), commandDoc({ mainSteps: [] }), commandDoc({ parameters: { n: { type: 'Number' } } }),
        commandDoc({ parameters: { m: { type: 'String', allowedPattern: '([' } } }), commandDoc({ mainSteps: [{ action: 'aws:runShellScript', name: 'a' }, { action: 'aws:runShellScript', name: 'a' }] }),
        commandDoc({ mainSteps: [{ name: 'a' }] })],
    ),
    'documentType#enum': ex(['Command'], ['Script']),
    'documentFormat#enum': ex(['JSON'], ['XML']),
    ...withPrefix('tags', ssmTagExamples),
  },
  'aws:ssm/association:Association': {
    'name#pattern': ex([patch((i) => i)], ['a b', 'ab']),
    'name#exists': ex([patch((i) => i)], ['no-such-document']),
    'associationName#pattern': ex(['berth-release-b8436533f1e5'], ['release 1', 'ab', 'x'.repeat(129)]),
    'documentVersion#exists': ex(['1', '$LATEST', '$DEFAULT'], ['2', 'latest', '0']),
    'targets#shape': ex(
      [[{ key: 'InstanceIds', values: ['i-0123456789abcdef0'] }], [{ key: 'tag:Name', values: ['berth-instance'] }]],
      [Array.from({ length: 6 }, () => ({ key: 'tag:Name', values: ['x'] })), [{ key: 'tag!Name', values: ['x'] }], [{ key: 'InstanceIds', values: ['web-1'] }], [{ key: 'tag:Name', values: Array.from({ length: 51 }, (_, i) => `v${i}`) }]],
    ),
    'parameters#declared': ex([{ manifest: manifest(3) }], [{ manifest: 'us-east-1 not-a-sha' }, { manifest: manifest(1), extra: 'x' }, {}]),
    'parameters#size': ex(
      [patch((i) => i, { world: withDocument(JSON.stringify({ parameters: { manifest: { type: 'String' } }, pad: 'x'.repeat(60 * 1024) })) })],
      [patch((i) => i, { world: withDocument(JSON.stringify({ parameters: { manifest: { type: 'String' } }, pad: 'x'.repeat(64 * 1024 - 100) })), field: 'parameters' })],
    ),
    'maxConcurrency#pattern': ex(['1', '10', '50%', '100%'], ['0', '0%', '101%', '1.5', 'all']),
    'maxErrors#pattern': ex(['0', '1', '0%', '10%', '100%'], ['-1', '101%', 'none']),
    'complianceSeverity#enum': ex(['HIGH', 'UNSPECIFIED'], ['SEVERE']),
    'scheduleExpression#length': ex(['rate(30 minutes)'], ['', 'x'.repeat(257)]),
    ...withPrefix('tags', ssmTagExamples),
  },
  'docker:index/image:Image': {
    'imageName#reference': ex(['docker.io/youruser/berth-notes:dev', 'registry.example.com:5000/team/berth-notes:v1.2', 'localhost:5000/a__b/c--d'], ['Alice/Notes:latest', 'docker.io/user/app:', `docker.io/${'a'.repeat(250)}/x`, 'user/app:-tag']),
    'build.context#exists': ex(['app'], ['no-such-directory', 'app/Dockerfile']),
    'build.dockerfile#exists': ex(['app/Dockerfile'], ['app/Dockerfile.missing']),
    'build.platform#platform': ex(['linux/amd64', 'linux/arm64', 'linux/arm64/v8'], ['linux/x86_64', 'windows/amd64', 'amd64']),
    'registry.server#host': ex(['docker.io', 'registry.example.com:5000'], ['https://docker.io', 'docker.io/']),
  },
  'command:local:Command': {
    'create#release-waiter': ex(
      [patch((i) => i)],
      ['curl https://example.com', patch((i) => ({ ...i, environment: { ...i.environment, BERTH_REGION: 'mars' } }), { field: 'create' }), 'npm run --silent release:wait -- --association-id'],
    ),
    'environment#names': ex(
      [patch((i) => ({ ...i, environment: { ...i.environment, PATH: '/usr/bin', lower_case: 'x' } }))],
      [patch((i) => ({ ...i, environment: { ...i.environment, 'A=B': 'x' } }), { field: 'environment' }), patch((i) => ({ ...i, environment: { ...i.environment, '': 'x' } }), { field: 'environment' })],
    ),
  },
  ...FLEET_EXAMPLES,
};

/** Every rule of the table, as `type`, `field#rule`. */
const allRules = Object.entries(AWS_RULES).flatMap(([type, fields]) =>
  Object.entries(fields).flatMap(([field, rules]) => (Array.isArray(rules) ? (rules as readonly Rule[]).map((r) => ({ type, key: `${field}#${r.name}`, field, rule: r })) : [])));

describe('each rule, on its own', () => {
  it('has a good and a bad example here, and every example is of a rule that exists', () => {
    const ruleKeys = allRules.map((r) => `${r.type} ${r.key}`).sort();
    const exampleKeys = Object.entries(EXAMPLES).flatMap(([type, examples]) => Object.keys(examples).map((key) => `${type} ${key}`)).sort();
    expect(exampleKeys).toEqual(ruleKeys);
    for (const [type, examples] of Object.entries(EXAMPLES)) {
      for (const [key, e] of Object.entries(examples)) {
        expect(e.good.length, `${type} ${key}`).toBeGreaterThan(0);
        expect(e.bad.length, `${type} ${key}`).toBeGreaterThan(0);
      }
    }
  });

  it('cites where its constraint is stated', () => {
    for (const r of allRules) expect(r.rule.cite.length, `${r.type} ${r.key}`).toBeGreaterThan(10);
  });

  const cases = allRules.map((r) => ({ ...r, example: EXAMPLES[r.type]?.[r.key] }));
  /** A resource of the type as the example stack (or, for the image, the Graviton stack) made it; a fleet type's baseline. */
  const baseline = (type: string) => {
    const fleet = FLEET_BASELINES[type];
    if (fleet) return { inputs: structuredClone(fleet) as Record<string, any>, world: FLEET_WORLD };
    const run = [...runs.values()].find((candidate) => candidate.mocks.ofType(type).length > 0)!;
    return { inputs: plain(run.mocks.ofType(type)[0]!.inputs) as Record<string, any>, world: run.mocks.world };
  };
  const apply = (type: string, field: string, value: unknown) => {
    const base = baseline(type);
    if (isPatch(value)) return { inputs: value.patch(structuredClone(base.inputs)), world: value.world ? value.world(base.world) : base.world, field: value.field ?? field.replace(/\[\]/g, '[0]') };
    return { ...setField(base.inputs, field, value), world: base.world };
  };

  it.each(cases)('$type $key refuses the bad values, naming the field, with its code', ({ type, field, rule, example }) => {
    for (const bad of example?.bad ?? []) {
      const { inputs, world, field: concrete } = apply(type, field, bad);
      const mine = awsRuleViolations(type, inputs, world).filter((v) => v.rule === rule.name && v.field.replace(/\[\d+\]/g, '[]') === field);
      expect(mine, `${JSON.stringify(bad)?.slice(0, 80)}`).toHaveLength(1);
      const escaped = `mock: ${rule.code}: ${type} ${concrete}: `.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      expect(() => checkAwsRules(type, inputs, world), `${JSON.stringify(bad)?.slice(0, 80)}`).toThrow(new RegExp(`^${escaped}`));
    }
  });

  it.each(cases)('$type $key takes the good values', ({ type, field, rule, example }) => {
    for (const good of example?.good ?? []) {
      const { inputs, world } = apply(type, field, good);
      const mine = awsRuleViolations(type, inputs, world).filter((v) => v.rule === rule.name && v.field.replace(/\[\d+\]/g, '[]') === field);
      expect(mine, `${JSON.stringify(good)?.slice(0, 80)}`).toEqual([]);
    }
  });

  it('never echoes a parameter value, which may be a secret', () => {
    const { inputs } = apply('aws:ssm/parameter:Parameter', 'value', 'x');
    const secret = `sekrit-${'y'.repeat(5000)} {{ssm:z}}`;
    for (const v of awsRuleViolations('aws:ssm/parameter:Parameter', { ...inputs, value: secret })) expect(v.message).not.toContain('sekrit');
  });
});
