// What `pulumi up` does to a running stack when its configuration or berth changes, read as
// policy: the example stack is applied once (a fresh stack), then each change is planned from that
// state (test/support/plan.ts) and every resource classified as Pulumi would: same, update in
// place, replace, create, delete. The replace rules are the providers' (test/support/replace-fields.ts),
// the new versions and ids AWS's (test/support/pulumi-mocks.ts).
import { beforeAll, describe, expect, it } from 'vitest';
import { deployScript, fetchScript } from '../../infra/host/scripts.js';
import { firstZone, hostZone } from '../../infra/aws/zone.js';
import { AWS_RULES } from '../support/aws-rules.js';
import { readBundle } from '../support/bundle.js';
import { type Applied, type Plan, type Variant, apply, planFrom } from '../support/plan.js';
import { AwsMocks, plain } from '../support/pulumi-mocks.js';
import { REPLACE_FIELDS, changedPaths, covers, decide } from '../support/replace-fields.js';
import { exampleConfig } from '../support/stack-config.js';

const SECRET_KEYS = ['berth:registryToken', 'berth:secretEnv'];
const SECRETS = { API_KEY: 'key-1', DB_PASSWORD: 'pw-1' };
const stack = (overrides: Record<string, string> = {}) => ({
  ...exampleConfig,
  'berth:registryToken': 'token-1',
  'berth:secretEnv': JSON.stringify(SECRETS),
  ...overrides,
});
const from = (before: Applied, overrides: Record<string, string> = {}, variant: Variant = {}) => planFrom(before, stack(overrides), SECRET_KEYS, variant);

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const INSTANCE = 'aws:ec2/instance:Instance';
/** Everything but the release: the host, its data, its network, its identity, its secrets, the document. */
const HOST = [
  'berth-instance', 'berth-data', 'berth-data-attachment', 'berth-sg', 'berth-ip', 'berth-role', 'berth-profile', 'berth-ssm-core',
  'berth-read-params', 'berth-registry-token', 'berth-secret-env-API_KEY', 'berth-secret-env-DB_PASSWORD', 'berth-deploy',
];
/** A release: its bundle's parts and manifest, its association and the gate that waits for it. */
const RELEASE = /^berth-release(-part-\d+|-manifest|-gate)?$/;
const NEWER_X86 = 'ami-0123456789abcdef0';
const NEWER_ARM = 'ami-0fedcba9876543210';

let base: Applied;
const plans: Record<string, Plan> = {};
let narrow: Applied;

beforeAll(async () => {
  base = await apply(stack(), SECRET_KEYS);
  plans.again = await from(base);
  const pinned = await apply(stack({ 'berth:pinDigest': digest('a') }), SECRET_KEYS);
  plans.newDigest = await planFrom(pinned, stack({ 'berth:pinDigest': digest('b') }), SECRET_KEYS);
  plans.thirdDigest = await planFrom(plans.newDigest, stack({ 'berth:pinDigest': digest('c') }), SECRET_KEYS);
  plans.rollback = await from(base, { 'berth:pinDigest': digest('d') });
  plans.newBuild = await from(base, {}, { world: { appContext: 'app/src with one line changed' } });
  plans.newSecret = await from(base, { 'berth:secretEnv': JSON.stringify({ ...SECRETS, API_KEY: 'key-2' }) });
  plans.upgrade = await from(base, {}, { script: `${deployScript()}\n# a newer berth\n` });
  plans.otherPort = await from(base, { 'berth:hostPort': '8080' });
  plans.withDomain = await from(base, { 'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops@example.com' });
  plans.newerAmi = await from(base, {}, { world: { amis: { x86_64: NEWER_X86 } } });
  plans.biggerType = await from(base, { 'berth:instanceType': 't3.small' }, { world: { amis: { x86_64: NEWER_X86 } } });
  plans.graviton = await from(base, { 'berth:instanceType': 't4g.micro' }, { world: { amis: { arm64: NEWER_ARM } } });
  plans.newFetcher = await from(base, {}, { fetcher: `${fetchScript()}\n# a newer fetcher\n` });
  // A stack made where t3.micro was offered only in 1b and 1c: its volume is in us-east-1b.
  narrow = await apply(stack(), SECRET_KEYS, { world: { offerings: { 't3.micro': ['us-east-1c', 'us-east-1b'] } } });
  plans.widerType = await from(narrow, { 'berth:instanceType': 't3.small' });
}, 180_000);

const registered = (a: Applied, type: string, name: string) => {
  const found = a.run.mocks.resources.find((r) => r.type === type && r.name === name);
  if (!found) throw new Error(`no ${type} ${name} in this run`);
  return found;
};
const param = (a: Applied, name: string) => a.run.mocks.ofType('aws:ssm/parameter:Parameter').find((p) => p.id === name)!;
const manifestOf = (a: Applied) => String((plain(a.run.mocks.one('aws:ssm/association:Association').inputs) as any).parameters.manifest);
/** The parts the release's manifest names, as name and version. */
const refsOf = (a: Applied) => manifestOf(a).split(' ').slice(2).map((ref) => ({ name: ref.replace(/:\d+$/, ''), version: Number(ref.split(':').pop()) }));
const releaseOf = (a: Applied) => readBundle(refsOf(a).map((r) => String((plain(param(a, r.name).inputs) as any).value)).join('')).get('release.env')!;
const replaced = (p: Plan) => Object.entries(p.changes()).filter(([, op]) => op === 'replace').map(([name]) => name).sort();

describe('the plan harness', () => {
  it('a fresh stack creates every resource; the same config again changes nothing', () => {
    expect(base.steps.length).toBeGreaterThan(15);
    expect(new Set(base.steps.map((s) => s.op))).toEqual(new Set(['create']));
    expect(plans.again!.changes()).toEqual({});
    expect(plans.again!.steps.map((s) => s.name).sort()).toEqual(base.steps.map((s) => s.name).sort());
  });

  it("decides as the provider does: a ForceNew field or a replaceOnChanges path replaces, any other change updates in place", () => {
    expect(decide('aws:ebs/volume:Volume', { availabilityZone: 'us-east-1a', size: 8 }, { availabilityZone: 'us-east-1a', size: 16 }).op).toBe('update');
    expect(decide('aws:ebs/volume:Volume', { availabilityZone: 'us-east-1a', size: 8 }, { availabilityZone: 'us-east-1b', size: 8 })).toEqual({ op: 'replace', fields: ['availabilityZone'], replaceKeys: ['availabilityZone'] });
    // The security group's rules are in place; its description is not.
    expect(decide('aws:ec2/securityGroup:SecurityGroup', { ingress: [{ fromPort: 80 }] }, { ingress: [{ fromPort: 8080 }] }).op).toBe('update');
    expect(decide('aws:ec2/securityGroup:SecurityGroup', { description: 'a' }, { description: 'b' }).op).toBe('replace');
    // Nested: the root volume's size is in place, its encryption is not; user-data only with userDataReplaceOnChange.
    expect(decide(INSTANCE, { rootBlockDevice: { volumeSize: 8 } }, { rootBlockDevice: { volumeSize: 16 } }).op).toBe('update');
    expect(decide(INSTANCE, { rootBlockDevice: { encrypted: false } }, { rootBlockDevice: { encrypted: true } }).op).toBe('replace');
    expect(decide(INSTANCE, { userDataBase64: 'a', userDataReplaceOnChange: false }, { userDataBase64: 'b', userDataReplaceOnChange: false }).op).toBe('update');
    expect(decide(INSTANCE, { userDataBase64: 'a', userDataReplaceOnChange: true }, { userDataBase64: 'b', userDataReplaceOnChange: true }).op).toBe('replace');
    // The provider alone changes an instance type in place (stop, modify, start) on the AMI it has.
    expect(decide(INSTANCE, { instanceType: 't3.micro', ami: 'ami-x86' }, { instanceType: 't4g.micro', ami: 'ami-x86' }).op).toBe('update');
    expect(decide(INSTANCE, { instanceType: 't3.micro' }, { instanceType: 't4g.micro' }, ['instanceType']).op).toBe('replace');
    expect(decide('command:local:Command', { triggers: ['a'], environment: { A: 'a' } }, { triggers: ['a'], environment: { A: 'b' } }).op).toBe('update');
    expect(decide('command:local:Command', { triggers: ['a'] }, { triggers: ['b'] }).replaceKeys).toEqual(['triggers[0]']);
    expect(() => decide('aws:s3/bucket:Bucket', {}, { bucket: 'b' })).toThrow(/no replace-field table for aws:s3\/bucket:Bucket/);
  });

  it("decides the fleet's types (issue 14) as their provider does: what a release or a resize changes stays in place", () => {
    // A new launch template version (user data, image, type) is in place; the group takes sizes in place.
    expect(decide('aws:ec2/launchTemplate:LaunchTemplate', { name: 'lt', userData: 'a', imageId: 'ami-1' }, { name: 'lt', userData: 'b', imageId: 'ami-2' }).op).toBe('update');
    expect(decide('aws:ec2/launchTemplate:LaunchTemplate', { name: 'lt' }, { name: 'lt2' }).op).toBe('replace');
    expect(decide('aws:autoscaling/group:Group', { minSize: 2, maxSize: 4, launchTemplate: { version: '1' } }, { minSize: 3, maxSize: 6, launchTemplate: { version: '2' } }).op).toBe('update');
    expect(decide('aws:autoscaling/policy:Policy', { targetTrackingConfiguration: { targetValue: 60 } }, { targetTrackingConfiguration: { targetValue: 70 } }).op).toBe('update');
    // The target group's port and protocol replace it; its health check does not.
    expect(decide('aws:lb/targetGroup:TargetGroup', { port: 80, healthCheck: { path: '/a' } }, { port: 80, healthCheck: { path: '/b' } }).op).toBe('update');
    expect(decide('aws:lb/targetGroup:TargetGroup', { port: 80 }, { port: 8080 }).replaceKeys).toEqual(['port']);
    expect(decide('aws:lb/loadBalancer:LoadBalancer', { subnets: ['a', 'b'] }, { subnets: ['a', 'b', 'c'] }).op).toBe('update');
    expect(decide('aws:lb/loadBalancer:LoadBalancer', { internal: false }, { internal: true }).op).toBe('replace');
    expect(decide('aws:lb/listener:Listener', { certificateArn: 'x', port: 443 }, { certificateArn: 'y', port: 8443 }).op).toBe('update');
    // The database: a bigger class, more storage, more backup days, a new identifier are in place;
    // encryption, the engine and the master user name replace it (and its data).
    expect(decide('aws:rds/instance:Instance', { instanceClass: 'db.t4g.micro', allocatedStorage: 20, backupRetentionPeriod: 7, identifier: 'a' }, { instanceClass: 'db.t4g.small', allocatedStorage: 40, backupRetentionPeriod: 14, identifier: 'b' }).op).toBe('update');
    for (const field of ['storageEncrypted', 'engine', 'username']) expect(decide('aws:rds/instance:Instance', { [field]: 'a' }, { [field]: 'b' }).op, field).toBe('replace');
    expect(decide('aws:acm/certificate:Certificate', { domainName: 'a.example.com' }, { domainName: 'b.example.com' }).op).toBe('replace');
    expect(decide('aws:route53/record:Record', { name: 'a', records: ['1.1.1.1'] }, { name: 'a', records: ['2.2.2.2'] }).op).toBe('update');
    expect(decide('aws:cloudwatch/logGroup:LogGroup', { name: 'g', retentionInDays: 14 }, { name: 'g', retentionInDays: 30 }).op).toBe('update');
  });

  it('has a replace-field table for every resource type the AWS rules know', () => {
    expect(Object.keys(AWS_RULES).filter((type) => !(type in REPLACE_FIELDS))).toEqual([]);
  });

  it('compares down to the changed leaves, and a path covers what is under it and the block it sits in', () => {
    expect(changedPaths({ a: { b: 1, c: [1, 2] }, t: null }, { a: { b: 1, c: [1, 3, 4] } })).toEqual(['a.c[1]', 'a.c[2]']);
    expect(changedPaths({ tags: { 'managed-by': 'x' } }, { tags: { 'managed-by': 'y' } })).toEqual(['tags["managed-by"]']);
    expect(covers('triggers[*]', 'triggers[3]')).toBe(true);
    expect(covers('parameters', 'parameters.manifest')).toBe(true);
    expect(covers('rootBlockDevice.encrypted', 'rootBlockDevice')).toBe(true);
    expect(covers('rootBlockDevice.encrypted', 'rootBlockDevice.volumeSize')).toBe(false);
    expect(covers('ami', 'amiLaunchIndex')).toBe(false);
  });

  it("a newer AMI changes nothing: ignoreChanges keeps the instance's AMI, and the update would too", () => {
    const p = plans.newerAmi!;
    expect(p.changes()).toEqual({});
    expect(p.step('berth-instance')).toMatchObject({ op: 'same', ignored: ['ami'] });
    expect(p.step('berth-instance').inputs.ami).toBe(p.step('berth-instance').before!.ami);
    expect(p.step('berth-instance').inputs.ami).not.toBe(NEWER_X86);
  });
});

describe('a new image digest', () => {
  const onlyRelease = (p: Plan, also: Record<string, string> = {}) => {
    const changes = p.changes();
    expect(Object.keys(changes).filter((name) => !RELEASE.test(name) && !(name in also)), 'outside the release').toEqual([]);
    for (const [name, op] of Object.entries(also)) expect(changes[name], name).toBe(op);
    for (const name of HOST) expect(p.op(name), name).toBe('same');
    // The bundle's parts are put in place: the ones whose text changed (a new digest changes the
    // gzip from the release file on; which part that falls in depends on the bundle's layout).
    const parts = Object.keys(changes).filter((name) => /^berth-release-part-\d+$/.test(name));
    expect(parts.length, 'parts put again').toBeGreaterThan(0);
    for (const name of parts) expect(changes[name], name).toBe('update');
    expect(p.step('berth-release-manifest').op).toBe('update');
    // One association per release, by design: created before the old one is deleted.
    expect(p.step('berth-release')).toMatchObject({ op: 'replace', order: 'create-before-delete' });
    expect(p.step('berth-release').replaceKeys).toContain('parameters.manifest');
    // The gate runs again for the new association.
    expect(p.step('berth-release-gate')).toMatchObject({ op: 'replace', replaceKeys: ['triggers[0]'] });
  };

  it('pinned to another digest, touches only the release: parts and manifest updated, association replaced, gate re-run', () => {
    onlyRelease(plans.newDigest!);
    expect(releaseOf(plans.newDigest!)).toContain(`BERTH_IMAGE=docker.io/youruser/berth-notes@${digest('b')}\n`);
  });

  it('built from changed sources, touches only the image (rebuilt and pushed in place) and the release', () => {
    const p = plans.newBuild!;
    onlyRelease(p, { 'berth-image': 'update' });
    expect(p.step('berth-image').fields).toEqual(['build.contextDigest']);
    const pushed = (r: Applied) => String(registered(r, 'docker:index/image:Image', 'berth-image').state.repoDigest).split('@')[1];
    expect(pushed(p)).not.toBe(pushed(base));
    expect(releaseOf(p)).toContain(`BERTH_IMAGE=docker.io/youruser/berth-notes@${pushed(p)}\n`);
  });

  it('each release names the versions AWS gave its parts: every put is one more', () => {
    for (const p of [plans.newDigest!, plans.thirdDigest!]) {
      for (const ref of refsOf(p)) expect(ref.version, ref.name).toBe(param(p, ref.name).state.version);
      expect(p.step('berth-release').inputs.parameters.manifest).toBe((plain(param(p, '/berth/dev/release/manifest').inputs) as any).value);
    }
    // A part whose text the new release leaves as it was (deflate can keep the gzip's first bytes
    // when only a later file changes) keeps its version; every changed one is put once more.
    const value = (a: Applied, name: string) => String((plain(param(a, name).inputs) as any).value);
    for (const [from, to] of [[plans.newDigest!, plans.thirdDigest!]] as const) {
      const before = refsOf(from);
      const after = refsOf(to);
      const changed = after.filter((ref) => value(to, ref.name) !== value(from, ref.name));
      expect(changed.length).toBeGreaterThan(0);
      for (const [i, ref] of after.entries()) expect(ref.version, ref.name).toBe(before[i]!.version + (changed.includes(ref) ? 1 : 0));
    }
    expect(param(plans.thirdDigest!, '/berth/dev/release/manifest').state.version).toBe(3);
  });

  // The docker provider's Delete does nothing ("This resource does not delete tags, locally or
  // remotely, when destroyed": @pulumi/docker image.d.ts; dockerNativeProvider.Delete).
  it('a rollback from a built image pins the digest: the image resource goes (the registry keeps what was pushed), the release follows', () => {
    const p = plans.rollback!;
    onlyRelease(p, { 'berth-image': 'delete' });
    expect(releaseOf(p)).toContain(`@${digest('d')}\n`);
  });
});

describe('a new secret version', () => {
  it('updates only that parameter and the release, which names its new version', () => {
    const p = plans.newSecret!;
    expect(Object.keys(p.changes()).filter((name) => !RELEASE.test(name))).toEqual(['berth-secret-env-API_KEY']);
    expect(p.step('berth-secret-env-API_KEY')).toMatchObject({ op: 'update', fields: ['value'] });
    for (const name of HOST.filter((n) => n !== 'berth-secret-env-API_KEY')) expect(p.op(name), name).toBe('same');
    expect(replaced(p)).toEqual(['berth-release', 'berth-release-gate']);
    expect(releaseOf(p)).toContain('  API_KEY=/berth/dev/secret-env/API_KEY:2\n  DB_PASSWORD=/berth/dev/secret-env/DB_PASSWORD:1\n');
  });
});

describe('a berth upgrade and a host setting', () => {
  it('replace nothing but the release association and its gate; the instance is the same', () => {
    for (const [label, p] of Object.entries({ upgrade: plans.upgrade!, otherPort: plans.otherPort!, withDomain: plans.withDomain! })) {
      expect(replaced(p), label).toEqual(['berth-release', 'berth-release-gate']);
      expect(p.op('berth-instance'), label).toBe('same');
      const outside = Object.keys(p.changes()).filter((name) => !RELEASE.test(name));
      expect(outside, label).toEqual(label === 'upgrade' ? [] : ['berth-sg']);
    }
  });

  it("a host setting changes the security group's rules in place", () => {
    for (const p of [plans.otherPort!, plans.withDomain!]) {
      expect(p.step('berth-sg').op).toBe('update');
      expect(p.step('berth-sg').fields.every((field) => field.startsWith('ingress['))).toBe(true);
    }
    expect(plans.withDomain!.step('berth-sg').inputs.ingress.map((r: any) => r.fromPort)).toEqual([80, 443]);
  });

  it("a new fetcher is a new document version the release follows; the host's user-data changes in place", () => {
    const p = plans.newFetcher!;
    expect(p.step('berth-deploy')).toMatchObject({ op: 'update', fields: ['content'] });
    const document = registered(p, 'aws:ssm/document:Document', 'berth-deploy');
    expect(document.state).toMatchObject({ latestVersion: '2', defaultVersion: '2' });
    expect(document.id).toBe(registered(base, 'aws:ssm/document:Document', 'berth-deploy').id);
    expect(p.step('berth-release').replaceKeys).toContain('documentVersion');
    expect(p.step('berth-release').inputs.documentVersion).toBe('2');
    // The user-data embeds the fetcher: the provider modifies it in place, stopping and starting
    // the host (modifyInstanceAttributeWithStopStart, ec2_instance.go); userDataReplaceOnChange is off.
    expect(p.step('berth-instance')).toMatchObject({ op: 'update', fields: ['userDataBase64'] });
  });
});

describe('a new instance type', () => {
  it("is a new host in Pulumi's order: created first, the old attachment deleted (the old host stopped) before the new one, the address moved", () => {
    const p = plans.biggerType!;
    const oldInstance = registered(base, INSTANCE, 'berth-instance').id;
    const newInstance = registered(p, INSTANCE, 'berth-instance').id;
    expect(p.step('berth-instance')).toMatchObject({ op: 'replace', replaceKeys: ['instanceType'], order: 'create-before-delete' });
    expect(newInstance).not.toBe(oldInstance);
    const attachment = p.step('berth-data-attachment');
    expect(attachment).toMatchObject({ op: 'replace', order: 'delete-before-replace' });
    expect(attachment.replaceKeys).toContain('instanceId');
    // The delete acts on the old state: it stops the old host, then detaches (VolumeInUse otherwise).
    expect(attachment.before).toMatchObject({ instanceId: oldInstance, stopInstanceBeforeDetaching: true });
    expect(attachment.inputs.instanceId).toBe(newInstance);
    expect(p.step('berth-ip')).toMatchObject({ op: 'update', fields: ['instance'] });
    expect(p.step('berth-release').replaceKeys.some((key) => key.startsWith('targets'))).toBe(true);
    expect(p.op('berth-release-gate')).toBe('replace');
    for (const name of ['berth-data', 'berth-sg', 'berth-role', 'berth-profile', 'berth-registry-token', 'berth-deploy']) expect(p.op(name), name).toBe('same');
    // The new host boots the current AMI, though a newer one alone replaces nothing (ignoreChanges).
    expect(p.step('berth-instance').inputs.ami).toBe(NEWER_X86);
  });

  it("of another architecture boots that architecture's AMI, with an image built for it", () => {
    const p = plans.graviton!;
    const instance = p.step('berth-instance');
    expect(instance).toMatchObject({ op: 'replace', replaceKeys: ['instanceType'] });
    expect(instance.inputs.ami).toBe(NEWER_ARM);
    const lookup = p.run.mocks.calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi')!;
    expect(lookup.inputs.filters).toContainEqual({ name: 'architecture', values: ['arm64'] });
    expect(new AwsMocks().call({ token: lookup.token, inputs: lookup.inputs }).architecture).toBe('arm64');
    expect(p.step('berth-image')).toMatchObject({ op: 'update', fields: ['build.platform'] });
    expect(p.step('berth-image').inputs.build.platform).toBe('linux/arm64');
    expect(p.step('berth-data-attachment')).toMatchObject({ op: 'replace', order: 'delete-before-replace' });
  });

  it("keeps the data volume in its zone, and the host follows it there, though the new type would be placed elsewhere", () => {
    const p = plans.widerType!;
    const zone = registered(narrow, 'aws:ebs/volume:Volume', 'berth-data').state.availabilityZone;
    expect(zone).toBe('us-east-1b');
    // A new stack of this type would go elsewhere: the program asks for that zone, ignoreChanges keeps the old one.
    const offerings = p.run.mocks.calls.find((c) => c.token === 'aws:ec2/getInstanceTypeOfferings:getInstanceTypeOfferings')!;
    expect(firstZone('t3.small', new AwsMocks().call(offerings).locations as string[])).not.toBe(zone);
    expect(p.step('berth-data')).toMatchObject({ op: 'same', ignored: ['availabilityZone'] });
    expect(p.step('berth-instance')).toMatchObject({ op: 'replace', replaceKeys: ['instanceType'] });
    expect(p.step('berth-instance').inputs.availabilityZone).toBe(zone);
    const subnetLookup = p.run.mocks.calls.find((c) => c.token === 'aws:ec2/getSubnet:getSubnet')!;
    expect(subnetLookup.inputs.availabilityZone).toBe(zone);
  });

  it("not offered in the data volume's zone is refused, naming the key, the zone and the fix", async () => {
    const refused = from(narrow, { 'berth:instanceType': 'm7g.medium' }, { world: { offerings: { 'm7g.medium': ['us-east-1c', 'us-east-1a'] } } });
    await expect(refused).rejects.toThrow(
      "berth:instanceType: m7g.medium is not offered in us-east-1b, where this stack's data volume is (it is offered in us-east-1a, us-east-1c); choose a type offered in us-east-1b",
    );
  });
});

describe('the data volume', () => {
  it('is neither deleted nor replaced by any of the changes above', () => {
    const volumeId = (a: Applied) => registered(a, 'aws:ebs/volume:Volume', 'berth-data').id;
    expect(Object.keys(plans).length).toBeGreaterThanOrEqual(13);
    for (const [label, p] of Object.entries(plans)) {
      expect(p.op('berth-data'), label).toBe('same');
      expect(volumeId(p), label).toBe(volumeId(p.before));
      expect(p.steps.filter((s) => s.type === 'aws:ebs/volume:Volume').map((s) => s.op), label).toEqual(['same']);
    }
  });
});

describe('zones', () => {
  it('a new stack takes the first zone by name that offers the type; a type offered nowhere is refused', () => {
    expect(firstZone('t3.micro', ['us-east-1d', 'us-east-1b', 'us-east-1f'])).toBe('us-east-1b');
    expect(() => firstZone('x9.huge', [])).toThrow('berth:instanceType: x9.huge is not offered in any availability zone of this region; choose another type');
  });

  it("the host goes to the volume's zone, and only there", () => {
    expect(hostZone('t3.small', ['us-east-1a', 'us-east-1b'], 'us-east-1b')).toBe('us-east-1b');
    expect(() => hostZone('t3.small', [], 'us-east-1b')).toThrow(/is not offered in us-east-1b, .*\(it is offered in no zone of this region\)/);
  });
});
