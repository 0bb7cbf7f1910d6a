// The Pulumi program under Pulumi's mocks, read as policy: what a reviewer of this stack would
// insist on, checked on the resources the program actually registers with the example stack.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import YAML from 'yaml';
import { ConfigError } from '../../infra/config/validate.js';
import { gunzipSync } from 'node:zlib';
import { HOST_LAYOUT } from '../../infra/release/release.js';
import { renderDeployDocument } from '../../infra/release/ssm-document.js';
import { RELEASE_GATE_TIMEOUT_S, RELEASE_WAIT_COMMAND, releaseWaitArgs } from '../../infra/release/gate.js';
import { parseWaitArgs } from '../../ops/release-wait/args.js';
import { parseStackOutputs } from '../../ops/host/plan.js';
import { AwsMocks, type ProgramRun, type Registered, occurrences, plain, runProgram } from '../support/pulumi-mocks.js';
import { readBundle } from '../support/bundle.js';
import { fetchScript } from '../../infra/host/scripts.js';
import { deployScript } from '../../infra/host/scripts.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const TOKEN_CANARY = 'CANARY-token-3f9a1c';
const ENV_CANARY = 'CANARY-env-b7e2d0';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const example = YAML.parse(readFileSync(new URL('../../Pulumi.example.yaml', import.meta.url), 'utf8')).config as Record<string, unknown>;
const exampleConfig = Object.fromEntries(
  Object.entries(example).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
) as Record<string, string>;
const secretConfig = {
  'berth:registryToken': TOKEN_CANARY,
  'berth:secretEnv': JSON.stringify({ API_KEY: ENV_CANARY, DB_PASSWORD: `${ENV_CANARY}-db` }),
};
const SECRET_KEYS = ['berth:registryToken', 'berth:secretEnv'];

/** Options each resource was created with, seen by a stack transformation. */
const created: {
  type: string; name: string; parent?: string; ignoreChanges?: string[]; keep?: boolean;
  deleteBeforeReplace?: boolean; replaceOnChanges?: string[]; dependsOn: string[];
}[] = [];

async function deploy(overrides: Record<string, string> = {}, { script, vpcIpv6Cidr }: { script?: string; vpcIpv6Cidr?: string } = {}): Promise<ProgramRun> {
  created.length = 0;
  vi.resetModules();
  vi.doUnmock('../../infra/host/scripts.js');
  if (script !== undefined) {
    // Another berth: the same program with a changed deploy script (an upgrade).
    const real = await vi.importActual<typeof import('../../infra/host/scripts.js')>('../../infra/host/scripts.js');
    vi.doMock('../../infra/host/scripts.js', () => ({ ...real, deployScript: () => script }));
  }
  return runProgram({ ...exampleConfig, ...secretConfig, ...overrides }, SECRET_KEYS, async () => {
    pulumi.runtime.registerStackTransformation((args) => {
      const parent = args.opts.parent;
      created.push({
        type: args.type,
        name: args.name,
        parent: (parent as { __pulumiType?: string } | undefined)?.__pulumiType === 'pulumi:pulumi:Stack' ? undefined : (parent as { __name?: string } | undefined)?.__name,
        ignoreChanges: args.opts.ignoreChanges,
        keep: Boolean(args.opts.protect || args.opts.retainOnDelete),
        deleteBeforeReplace: (args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace,
        replaceOnChanges: args.opts.replaceOnChanges,
        dependsOn: ([] as unknown[]).concat(args.opts.dependsOn ?? []).map((d) => (d as { __name?: string }).__name ?? '?'),
      });
      return undefined;
    });
    return (await import('../../index.js')) as Record<string, unknown>;
  }, new AwsMocks(vpcIpv6Cidr ? { vpcIpv6Cidr } : {}));
}

let run: ProgramRun;
const one = (type: string) => run.mocks.one(type);
const byName = (type: string, name: string) => run.mocks.resources.find((r) => r.type === type && r.name === name)!;
const inputs = (r: Registered) => plain(r.inputs) as Record<string, any>;
/** The user-data as the instance gets it (gzip, base64), unpacked. */
const unpack = (r: ProgramRun) => gunzipSync(Buffer.from(String((plain(r.mocks.one('aws:ec2/instance:Instance').inputs) as any).userDataBase64), 'base64')).toString('utf8');
const parameterValue = (r: ProgramRun, name: string) => String((plain(r.mocks.ofType('aws:ssm/parameter:Parameter').find((p) => p.id === name)!.inputs) as any).value);
/** The bundle the association's manifest names, read back from the parts it names. */
const bundleOf = (r: ProgramRun) => {
  const manifest = String((plain(r.mocks.one('aws:ssm/association:Association').inputs) as any).parameters.manifest);
  const refs = manifest.split(' ').slice(2).map((ref) => ref.replace(/:\d+$/, ''));
  return readBundle(refs.map((name) => parameterValue(r, name)).join(''));
};
const releaseOf = (r: ProgramRun) => bundleOf(r).get('release.env')!;
const instanceOf = (r: ProgramRun) => plain(r.mocks.one('aws:ec2/instance:Instance').inputs);
const userData = () => unpack(run);
const release = () => releaseOf(run);

beforeAll(async () => {
  run = await deploy();
});

describe('with the example stack', () => {
  it('makes the image, the host and its parts, wired together', () => {
    const counts: Record<string, number> = {};
    for (const r of run.mocks.resources) counts[r.type] = (counts[r.type] ?? 0) + 1;
    expect(counts).toMatchObject({
      'berth:image:Image': 1,
      'berth:host:SingleHost': 1,
      'berth:secrets:Secrets': 1,
      'berth:identity:Identity': 1,
      'berth:release:ReleaseChannel': 1,
      'berth:backup:BackupPolicy': 1,
      'docker:index/image:Image': 1,
      'aws:ec2/securityGroup:SecurityGroup': 1,
      'aws:iam/role:Role': 2, // the host's, and DLM's (backups)
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment': 1,
      'aws:iam/rolePolicy:RolePolicy': 2,
      'aws:dlm/lifecyclePolicy:LifecyclePolicy': 1,
      'aws:iam/instanceProfile:InstanceProfile': 1,
      'aws:ssm/parameter:Parameter': 8, // the token, the two secret env values, 4 release parts and the manifest
      'aws:ebs/volume:Volume': 1,
      'aws:ec2/instance:Instance': 1,
      'aws:ec2/volumeAttachment:VolumeAttachment': 1,
      'aws:ec2/eip:Eip': 1,
      'command:local:Command': 1,
    });
    const instance = inputs(one('aws:ec2/instance:Instance'));
    const sg = one('aws:ec2/securityGroup:SecurityGroup');
    const profile = one('aws:iam/instanceProfile:InstanceProfile');
    const role = byName('aws:iam/role:Role', 'berth-role');
    expect(instance.vpcSecurityGroupIds).toEqual([sg.id]);
    expect(instance.iamInstanceProfile).toBe(profile.state.name);
    expect(inputs(profile).role).toBe(role.state.name);
    expect(inputs(one('aws:ec2/eip:Eip')).instance).toBe(one('aws:ec2/instance:Instance').id);
  });

  it('names every resource after its component and parents it there', () => {
    const children = created.filter((c) => !c.type.startsWith('berth:') && !c.type.startsWith('pulumi:'));
    expect(children.length).toBeGreaterThan(10);
    for (const child of children) {
      expect(child.name, child.type).toMatch(/^berth-/);
      expect(child.parent, `${child.type} ${child.name}`).toBe('berth');
    }
    expect(created.filter((c) => c.type.startsWith('berth:')).map((c) => c.type).sort()).toEqual(['berth:backup:BackupPolicy', 'berth:host:SingleHost', 'berth:identity:Identity', 'berth:image:Image', 'berth:release:ReleaseChannel', 'berth:secrets:Secrets']);
  });

  it('pulumi destroy removes everything it made: nothing is protected or retained', () => {
    expect(created.length).toBeGreaterThan(10);
    expect(created.filter((c) => c.keep).map((c) => c.name)).toEqual([]);
  });

  it('builds the image for the instance platform and pushes it with the registry credentials', () => {
    const image = inputs(one('docker:index/image:Image'));
    expect(image.imageName).toBe('docker.io/youruser/berth-notes:dev');
    expect(image.build.platform).toBe('linux/amd64');
    // Relative, so a laptop's checkout and a CI runner's give the provider the same inputs (no
    // rebuild from a changed path alone); it names the app's own Dockerfile.
    expect(path.isAbsolute(image.build.context)).toBe(false);
    expect(existsSync(path.join(repoRoot, image.build.dockerfile))).toBe(true);
    expect(path.relative(repoRoot, path.dirname(path.join(repoRoot, image.build.dockerfile)))).toBe(path.normalize(image.build.context));
    expect(image.registry).toMatchObject({ server: 'docker.io', username: 'youruser' });
    expect(image.skipPush ?? false).toBe(false);
  });

  it('the security group opens nothing but the app port, to the allowed networks, and never 22', () => {
    const sg = inputs(one('aws:ec2/securityGroup:SecurityGroup'));
    expect(sg.ingress).toHaveLength(1);
    expect(sg.ingress[0]).toMatchObject({ protocol: 'tcp', fromPort: 80, toPort: 80, cidrBlocks: ['0.0.0.0/0'] });
    for (const rule of sg.ingress) expect(22 >= rule.fromPort && 22 <= rule.toPort).toBe(false);
  });

  it('in a default VPC without IPv6 the group opens no IPv6 at all, in or out', () => {
    const sg = inputs(one('aws:ec2/securityGroup:SecurityGroup'));
    expect(sg.egress).toEqual([expect.objectContaining({ protocol: '-1', cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: [] })]);
    for (const rule of sg.ingress) expect(rule.ipv6CidrBlocks).toEqual([]);
  });

  it('requires IMDSv2, with a hop limit that keeps the role away from containers', () => {
    expect(inputs(one('aws:ec2/instance:Instance')).metadataOptions).toEqual({
      httpEndpoint: 'enabled',
      httpTokens: 'required',
      httpPutResponseHopLimit: 1,
    });
  });

  it('encrypts both volumes, and keeps the data on its own gp3 volume in the instance zone', () => {
    const instance = inputs(one('aws:ec2/instance:Instance'));
    const volume = one('aws:ebs/volume:Volume');
    expect(instance.rootBlockDevice).toMatchObject({ encrypted: true, volumeType: 'gp3' });
    expect(inputs(volume)).toMatchObject({ encrypted: true, type: 'gp3', size: 8 });
    expect(inputs(volume).availabilityZone).toBe(instance.availabilityZone);
    // t3 is not offered in every zone; berth picks the first zone that offers it, sorted.
    expect(instance.availabilityZone).toBe('us-east-1a');
    const attachment = inputs(one('aws:ec2/volumeAttachment:VolumeAttachment'));
    expect(attachment).toMatchObject({ volumeId: volume.id, instanceId: one('aws:ec2/instance:Instance').id, stopInstanceBeforeDetaching: true });
  });

  it('looks the AMI up (Amazon Linux 2023, Amazon-owned) and a newer AMI does not replace the host', () => {
    const lookup = run.mocks.calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi')!;
    expect(lookup.inputs.owners).toEqual(['amazon']);
    expect(lookup.inputs.filters).toContainEqual({ name: 'name', values: ['al2023-ami-2023.*-kernel-*-x86_64'] });
    expect(inputs(one('aws:ec2/instance:Instance')).ami).toBe('ami-05b10e08d247fb927');
    expect(created.find((c) => c.type === 'aws:ec2/instance:Instance')!.ignoreChanges).toEqual(['ami']);
  });

  it('the release runs the pushed digest, never a tag; the user-data holds no release', () => {
    const pushed = one('docker:index/image:Image').state.repoDigest as string;
    expect(pushed).toMatch(/@sha256:[a-f0-9]{64}$/);
    const ref = `docker.io/youruser/berth-notes@${pushed.split('@')[1]}`;
    expect(release()).toContain(`BERTH_IMAGE=${ref}`);
    expect(release()).toContain(`  ${ref}\n)`); // the last word of docker run
    expect(release()).not.toMatch(/berth-notes:dev\b/);
    expect(userData()).not.toContain('sha256:');
    expect(run.outputs.imageDigest!.value).toBe(pushed.split('@')[1]);
  });

  it("releases go in place: a new association of berth's document per release, its one parameter the manifest of the published bundle", () => {
    const doc = inputs(one('aws:ssm/document:Document'));
    expect(doc.documentType).toBe('Command');
    expect(JSON.parse(doc.content)).toEqual(renderDeployDocument(fetchScript()));
    const assoc = inputs(one('aws:ssm/association:Association'));
    expect(assoc.name).toBe(one('aws:ssm/document:Document').id);
    expect(assoc.documentVersion).toBe('1');
    expect(assoc.targets).toEqual([{ key: 'InstanceIds', values: [one('aws:ec2/instance:Instance').id] }]);
    expect(Object.keys(assoc.parameters)).toEqual(['manifest']);
    expect(assoc.parameters.manifest).toBe(parameterValue(run, '/berth/dev/release/manifest'));
    expect(assoc.parameters.manifest).toMatch(/^us-east-1 [a-f0-9]{64} \/berth\/dev\/release\/part-1:1( |$)/);
    // No schedule: it runs once, when created; a new release is a new association (no 1,000-version limit).
    expect(assoc.scheduleExpression).toBeUndefined();
    expect(assoc.applyOnlyAtCronInterval).toBe(false);
    expect(created.find((c) => c.type === 'aws:ssm/association:Association')!.replaceOnChanges).toEqual(expect.arrayContaining(['parameters', 'targets', 'documentVersion']));
    // The provider's own wait is on create only; berth does not lean on it.
    expect(assoc.waitForSuccessTimeoutSeconds).toBeUndefined();
    expect(inputs(one('aws:ec2/instance:Instance')).userDataReplaceOnChange).toBe(false);
    expect(run.outputs.releaseId!.value).toMatch(/^[a-f0-9]{12}$/);
    expect(release()).toContain(`BERTH_RELEASE=${run.outputs.releaseId!.value}\n`);
  });

  it('pulumi up waits for every release: the gate runs npm run release:wait for this association, re-run by each new one', () => {
    const gate = inputs(one('command:local:Command'));
    const assoc = one('aws:ssm/association:Association');
    expect(gate.create).toBe(RELEASE_WAIT_COMMAND);
    expect(parseWaitArgs(releaseWaitArgs(gate.create, gate.environment))).toEqual({ associationId: assoc.id, region: 'us-east-1', timeoutS: RELEASE_GATE_TIMEOUT_S });
    expect(gate.triggers).toEqual([assoc.id]);
    expect(created.find((c) => c.type === 'command:local:Command')!.dependsOn).toEqual(['berth-release']);
    expect(run.outputs.associationId!.value).toBe(assoc.id);
  });

  it('a replacement host gets the volume in Pulumi\'s order: the old attachment goes first, and the address moves once the release serves', () => {
    expect(created.find((c) => c.type === 'aws:ec2/volumeAttachment:VolumeAttachment')!.deleteBeforeReplace).toBe(true);
    expect(created.find((c) => c.type === 'aws:ec2/eip:Eip')!.dependsOn).toEqual(['berth-release-gate']);
    // Its first boot can serve at once: the manifest, and the role that reads it, exist before it.
    expect(created.find((c) => c.type === 'aws:ec2/instance:Instance')!.dependsOn).toEqual(['berth-release-manifest', 'berth-read-params']);
  });

  it("a new deploy script, proxy config or host port leaves the instance byte-identical and changes only what the release carries", async () => {
    const base = instanceOf(run);
    const upgraded = await deploy({}, { script: `${deployScript()}\n# a newer berth\n` });
    const otherPort = await deploy({ 'berth:hostPort': '8080' });
    const withDomain = await deploy({ 'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops@example.com' });
    for (const changed of [upgraded, otherPort, withDomain]) {
      expect(instanceOf(changed)).toEqual(base);
      expect(bundleOf(changed)).not.toEqual(bundleOf(run));
    }
    expect(bundleOf(upgraded).get('deploy.sh')).toContain('# a newer berth');
    expect(bundleOf(upgraded).get('release.env')).toBe(release());
    expect(bundleOf(otherPort).get('host.env')).toContain("  --publish\n  8080:80\n");
    expect(JSON.parse(bundleOf(withDomain).get('caddy.json')!).apps.http.servers.berth.listen).toEqual([':443']);
  });

  it('a new digest changes the release and leaves the user-data exactly as it was', async () => {
    const pinned = await deploy({ 'berth:pinDigest': `sha256:${'e'.repeat(64)}` });
    expect(unpack(pinned)).toBe(userData());
    expect(releaseOf(pinned)).not.toBe(release());
  });

  it('the user-data only bootstraps; the release carries the host settings: the data volume by id, the proxy, the data directory', () => {
    const volumeId = one('aws:ebs/volume:Volume').id;
    expect(userData()).toContain('manifest=$(berth_parameter us-east-1 /berth/dev/release/manifest)');
    expect(userData()).toContain(`exec ${HOST_LAYOUT.liveDir}/deploy.sh boot`);
    expect(userData()).not.toContain(volumeId);
    const hostEnv = bundleOf(run).get('host.env')!;
    expect(hostEnv).toContain(`BERTH_VOLUME_ID=${volumeId}`);
    expect(hostEnv).toContain(`BERTH_DEVICE_NAME=${inputs(one('aws:ec2/volumeAttachment:VolumeAttachment')).deviceName}`);
    expect(release()).toContain(`type=bind,source=${HOST_LAYOUT.dataDir},target=${DEFAULT_APP.dataPath}`);
  });

  it('the release pins each secret to its SSM parameter version and carries the plain env', () => {
    expect(release()).toContain('BERTH_TOKEN_PARAM=/berth/dev/registry-token:1');
    expect(release()).toContain("  API_KEY=/berth/dev/secret-env/API_KEY:1\n  DB_PASSWORD=/berth/dev/secret-env/DB_PASSWORD:1\n");
    expect(release()).toContain("  'GREETING=hello from EC2'\n");
  });

  it('keeps secrets in SecureString parameters under this stack path', () => {
    const params = run.mocks.ofType('aws:ssm/parameter:Parameter').map(inputs).filter((p) => !p.name.startsWith('/berth/dev/release/'));
    expect(params.map((p) => p.name).sort()).toEqual([
      '/berth/dev/registry-token',
      '/berth/dev/secret-env/API_KEY',
      '/berth/dev/secret-env/DB_PASSWORD',
    ]);
    for (const p of params) expect(p.type).toBe('SecureString');
  });

  it('the role can be assumed by EC2 only, and reads exactly this stack parameters', () => {
    const role = inputs(byName('aws:iam/role:Role', 'berth-role'));
    expect(JSON.parse(role.assumeRolePolicy).Statement).toEqual([
      { Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
    expect(inputs(one('aws:iam/rolePolicyAttachment:RolePolicyAttachment')).policyArn).toBe(
      'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    );
    const statements = JSON.parse(inputs(byName('aws:iam/rolePolicy:RolePolicy', 'berth-read-params')).policy).Statement;
    const arns = run.mocks.ofType('aws:ssm/parameter:Parameter').map((p) => p.state.arn);
    expect(statements).toHaveLength(1);
    expect(statements[0].Action).toEqual(['ssm:GetParameter', 'ssm:GetParameters']);
    expect([...statements[0].Resource].sort()).toEqual([...arns].sort());
    expect(JSON.stringify(statements)).not.toContain('*');
  });

  it('tags everything it can with Name, project and stack', () => {
    const taggable = run.mocks.resources.filter((r) => r.type.startsWith('aws:') && !/rolePolicy|volumeAttachment/.test(r.type));
    // the group, the role, its profile, eight parameters, the volume, the instance, the address,
    // the deploy document and its association; the DLM role and its lifecycle policy
    expect(taggable.length).toBe(18);
    for (const r of taggable) {
      expect(inputs(r).tags, r.type).toMatchObject({ project: 'berth', stack: 'dev', Name: expect.stringMatching(/^berth-/) });
    }
    expect(inputs(one('aws:ec2/instance:Instance')).rootBlockDevice.tags).toMatchObject({ Name: 'berth-root', stack: 'dev' });
  });

  it('no secret reaches user-data, a tag, or a plain output: the canaries sit only in secret inputs of the parameters and the push', () => {
    for (const canary of [TOKEN_CANARY, ENV_CANARY]) {
      const found = run.mocks.resources.flatMap((r) => occurrences(r.inputs, canary).map((o) => ({ ...o, where: `${r.type}.${o.path}` })));
      expect(found.length).toBeGreaterThan(0);
      for (const o of found) expect(o.secret, o.where).toBe(true);
      const places = new Set(found.map((o) => o.where));
      const allowed = canary === TOKEN_CANARY
        ? ['aws:ssm/parameter:Parameter.value', 'docker:index/image:Image.registry.password']
        : ['aws:ssm/parameter:Parameter.value'];
      expect([...places].sort()).toEqual(allowed);
    }
    expect(userData()).not.toContain('CANARY');
    expect(release()).not.toContain('CANARY');
    for (const [key, output] of Object.entries(run.outputs)) {
      expect(JSON.stringify(output.value), key).not.toContain('CANARY');
      expect(output.secret, key).toBe(false);
    }
  });

  it('exports the url, ids, digest and ready-to-paste SSM commands', () => {
    const out = Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value])) as Record<string, string>;
    const instanceId = one('aws:ec2/instance:Instance').id;
    expect(out.url).toBe('http://203.0.113.10/');
    expect(out.publicIp).toBe('203.0.113.10');
    expect(out.instanceId).toBe(instanceId);
    expect(out.imageDigest).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(out.imageRef).toBe(`docker.io/youruser/berth-notes@${out.imageDigest}`);
    expect(out.shellCommand).toBe(`aws ssm start-session --region us-east-1 --target ${instanceId}`);
    expect(out.logsCommand).toContain('sudo docker logs --follow --tail 100 berth-notes');
    expect(out.execCommand).toContain('sudo docker exec --interactive --tty berth-notes sh');
  });
});

describe('a stack without berth:app, as every stack before it', () => {
  it('builds app/ with app/Dockerfile and makes the same release as before berth:app existed', () => {
    expect((plain(one('docker:index/image:Image').inputs) as any).build).toEqual({ context: 'app', dockerfile: 'app/Dockerfile', platform: 'linux/amd64' });
    // Its release is the default app's (test/unit/app-spec.test.ts: the same flags as before berth:app).
    expect(run.outputs.releaseId!.value).toMatch(/^[0-9a-f]{12}$/);
  });
});

describe('the stack outputs', () => {
  it('are what npm run host:* reads', () => {
    const printed = JSON.stringify(Object.fromEntries(Object.entries(run.outputs).map(([k, v]) => [k, v.value])));
    expect(parseStackOutputs(printed)).toEqual({ instanceId: one('aws:ec2/instance:Instance').id, region: 'us-east-1', container: 'berth-notes' });
  });
});

describe('other stacks', () => {
  it('a Graviton type gets an arm64 image and an arm64 AMI', async () => {
    const graviton = await deploy({ 'berth:instanceType': 't4g.small' });
    const image = plain(graviton.mocks.one('docker:index/image:Image').inputs) as any;
    expect(image.build.platform).toBe('linux/arm64');
    const lookup = graviton.mocks.calls.find((c) => c.token === 'aws:ec2/getAmi:getAmi')!;
    expect(lookup.inputs.filters).toContainEqual({ name: 'architecture', values: ['arm64'] });
  });

  it('another port and other networks change the rule, the run flags and the url together', async () => {
    const custom = await deploy(
      { 'berth:hostPort': '8080', 'berth:allowedCidrs': '["203.0.113.0/24","2001:db8::/32"]', 'berth:secretEnv': '{}' },
      { vpcIpv6Cidr: '2600:1f18:4a3:6e00::/56' },
    );
    const sg = plain(custom.mocks.one('aws:ec2/securityGroup:SecurityGroup').inputs) as any;
    expect(sg.ingress).toEqual([
      expect.objectContaining({ fromPort: 8080, toPort: 8080, cidrBlocks: ['203.0.113.0/24'], ipv6CidrBlocks: ['2001:db8::/32'] }),
    ]);
    // A VPC with IPv6: the host may go out over it too.
    expect(sg.egress).toEqual([expect.objectContaining({ cidrBlocks: ['0.0.0.0/0'], ipv6CidrBlocks: ['::/0'] })]);
    expect(bundleOf(custom).get('host.env')).toContain("  --publish\n  8080:80\n"); // the proxy; the app publishes nothing
    expect(releaseOf(custom)).toContain('BERTH_SECRET_ENV=()');
    expect(releaseOf(custom)).not.toContain('--publish');
    expect(custom.outputs.url!.value).toBe('http://203.0.113.10:8080/');
    expect(custom.mocks.ofType('aws:ssm/parameter:Parameter')).toHaveLength(6);
  });

  it('a pinned digest (a rollback) runs that digest, and builds and pushes nothing', async () => {
    const earlier = `sha256:${'e'.repeat(64)}`;
    const pinned = await deploy({ 'berth:pinDigest': earlier });
    expect(pinned.mocks.ofType('docker:index/image:Image')).toEqual([]);
    expect(pinned.mocks.ofType('berth:image:Image')).toEqual([]);
    expect(releaseOf(pinned)).toContain(`BERTH_IMAGE=docker.io/youruser/berth-notes@${earlier}\n`);
    expect(pinned.outputs.imageDigest!.value).toBe(earlier);
    expect(pinned.outputs.imageRef!.value).toBe(`docker.io/youruser/berth-notes@${earlier}`);
  });

  it('a domain serves HTTPS: the group opens 80 and 443 only, the proxy gets the ACME settings, the url is https', async () => {
    const https = await deploy({ 'berth:domain': 'notes.example.com', 'berth:acmeEmail': 'ops@example.com' });
    const sg = plain(https.mocks.one('aws:ec2/securityGroup:SecurityGroup').inputs) as any;
    expect(sg.ingress.map((r: any) => [r.fromPort, r.toPort])).toEqual([[80, 80], [443, 443]]);
    const data = bundleOf(https).get('caddy.json')!;
    expect(data).toContain('"host": [\n                    "notes.example.com"');
    expect(data).toContain('"ca": "https://acme-v02.api.letsencrypt.org/directory"');
    expect(data).toContain('"email": "ops@example.com"');
    expect(https.outputs.url!.value).toBe('https://notes.example.com/');
  });

  it("a domain for narrowed networks: 443 keeps to them, 80 is open to everyone so the CA's HTTP-01 check can reach it", async () => {
    const narrowed = await deploy({ 'berth:domain': 'notes.example.com', 'berth:allowedCidrs': '["203.0.113.0/24"]' });
    const sg = plain(narrowed.mocks.one('aws:ec2/securityGroup:SecurityGroup').inputs) as any;
    expect(sg.ingress.map((r: any) => [r.fromPort, r.cidrBlocks, r.ipv6CidrBlocks])).toEqual([
      [80, ['0.0.0.0/0'], []],
      [443, ['203.0.113.0/24'], []],
    ]);
    expect(JSON.parse(bundleOf(narrowed).get('caddy.json')!).apps.tls.automation.policies[0].issuers[0].challenges).toEqual({ 'tls-alpn': { disabled: true } });
  });

  it('an IPv6 network where the default VPC has none stops the program, with the fix, before any resource is made', async () => {
    const failed = deploy({ 'berth:allowedCidrs': '["203.0.113.0/24","2001:db8::/32"]' });
    await expect(failed).rejects.toMatchObject({ name: ConfigError.name, registered: [] });
    await expect(failed).rejects.toThrow(
      `invalid configuration: berth:allowedCidrs: 2001:db8::/32 is IPv6, but the default VPC has no IPv6 CIDR block, so the host has no IPv6 address; keep the IPv4 ones: pulumi config set berth:allowedCidrs '["203.0.113.0/24"]' (or associate an IPv6 block with the VPC)`,
    );
  });

  it('health-gate settings reach the release', async () => {
    const tuned = await deploy({ 'berth:healthInterval': '2', 'berth:deployTimeout': '90', 'berth:drainTimeout': '5' });
    expect(releaseOf(tuned)).toContain('BERTH_HEALTH_INTERVAL_S=2\nBERTH_DEPLOY_TIMEOUT_S=90\nBERTH_DRAIN_TIMEOUT_S=5\n');
  });

  it('an app described by berth:app alone is built from its context and Dockerfile, and released as described', async () => {
    // As `pulumi config set --path berth:app.port 5000` (and the others) deliver it: one JSON object
    // under the top key, numbers and booleans as such.
    const app = { name: 'hello', context: 'bench/hello', port: 5000, healthPath: '/up', dataPath: '', user: '10001:10001', readOnly: false };
    const other = await deploy({ 'berth:app': JSON.stringify(app) });
    const image = plain(other.mocks.one('docker:index/image:Image').inputs) as any;
    expect(image.build).toMatchObject({ context: 'bench/hello', dockerfile: 'bench/hello/Dockerfile' });
    const files = bundleOf(other);
    const text = files.get('release.env')!;
    const hostEnv = files.get('host.env')!;
    expect(text).toContain('BERTH_APP_PORT=5000\nBERTH_HEALTH_PATH=/up\n');
    expect(text).toContain('  --user\n  10001:10001\n');
    expect(text).not.toContain('--read-only');
    const runWords = /\nBERTH_RUN=\(\n([\s\S]*?)\n\)\n/.exec(text)![1]!;
    expect(runWords).toContain('--user'); // the docker run it is
    expect(runWords).not.toMatch(/--mount|--volume/); // no data path: no mount at all
    expect(hostEnv).toContain("BERTH_DATA_DIR=''\n");
    expect(hostEnv).toContain('BERTH_CONTAINER=berth-hello\n');
    const caddy = JSON.stringify(JSON.parse(files.get('caddy.json')!));
    expect(caddy).toContain('"dial":"berth-hello:5000"');
    expect(other.outputs.releaseId!.value).not.toBe(run.outputs.releaseId!.value);
    expect(other.outputs.container!.value).toBe('berth-hello');
    expect(String(other.outputs.logsCommand!.value)).toContain('docker logs --follow --tail 100 berth-hello');
  });

  it('a berth:app whose context does not exist stops the program, naming the key', async () => {
    const failed = deploy({ 'berth:app': JSON.stringify({ context: 'examples/nowhere' }) });
    await expect(failed).rejects.toThrow('berth:app.context: no directory "examples/nowhere"');
    await expect(failed).rejects.toMatchObject({ registered: [] });
  });

  it('a bad config stops the program before any resource is made', async () => {
    const failed = deploy({ 'berth:hostPort': '22', 'berth:image': 'Alice/Notes:latest' });
    // (the program's modules are fresh per run, so the class is compared by name)
    await expect(failed).rejects.toMatchObject({ name: ConfigError.name });
    await expect(failed).rejects.toThrow(/berth:image: .*\n.*berth:hostPort: must not be 22/);
    await expect(failed).rejects.toMatchObject({ registered: [] });
  });
});
