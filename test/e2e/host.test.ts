// The user-data berth renders, run unmodified on a simulated fresh EC2 host: a container with its
// own Docker engine, real cloud-init reading the user-data from an IMDSv2 endpoint, the real AWS
// CLI reading SecureStrings from an SSM endpoint under its real name (TLS from a test CA the host
// trusts), a TLS registry with a login, and a block device under the by-id name Nitro gives an EBS
// volume (test/support/sim/). The host is then rebooted, redeployed with a second digest, and
// replaced while its data volume is kept: the note written on the first boot is there each time.
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployScript } from '../../infra/host/scripts.js';
import { containerShape } from '../../infra/shape.js';
import { hostStatusScript } from '../../infra/ssm-commands.js';
import { HOST_LAYOUT, type HostRelease, releaseId, renderUserData } from '../../infra/userdata.js';
import { splitStatusOutput } from '../../scripts/host/plan.js';
import { describeContainer, describeDeploy, parseInspect } from '../../scripts/status.js';
import { check, waitFor } from '../support/exec.js';
import { api } from '../support/http.js';
import { type PushedImage, REGISTRY_ADDRESS, type SimHost, type SimVolume, type World, createWorld } from '../support/sim/world.js';
import { repoRoot } from '../support/engine-setup.js';

const VOLUME_ID = 'vol-0a1b2c3d4e5f60789';
const TOKEN_PARAM = '/berth/dev/registry-token';
const API_KEY_PARAM = '/berth/dev/secret-env/API_KEY';
const API_KEY = `sim-secret-${Math.random().toString(36).slice(2)}`;

let world: World;
let volume: SimVolume;
let first: PushedImage;
let second: PushedImage;
let host: SimHost;
let noteId: string;
const secondTag = `berth-notes:sim-second-${process.pid}`;
const extraTags: string[] = [];

function release(image: PushedImage, version = 1, volumeId = VOLUME_ID): HostRelease {
  return {
    region: world.region,
    imageRef: image.reference,
    registry: REGISTRY_ADDRESS,
    registryUsername: world.registry.username,
    registryToken: { name: TOKEN_PARAM, version: 1 },
    secretEnv: { API_KEY: { name: API_KEY_PARAM, version } },
    env: { GREETING: 'hello from the sim host', LOG_LEVEL: 'info' },
    volumeId,
    deviceName: '/dev/sdf',
    hostPort: 80,
  };
}
const userData = (r: HostRelease) => renderUserData(containerShape, r, deployScript());
/** The parameter store; secret env version 2 holds a new value, as `pulumi up` would make it. */
const ssmParameters = (apiKeyVersion = 1) => ({
  [TOKEN_PARAM]: { type: 'SecureString' as const, value: world.registry.password },
  [API_KEY_PARAM]: { type: 'SecureString' as const, value: apiKeyVersion === 1 ? API_KEY : `${API_KEY}-v${apiKeyVersion}`, version: apiKeyVersion },
});

async function expectBootOk(h: SimHost) {
  const boot = await h.waitForBoot({ timeoutMs: 240_000 });
  if (!boot.ok) {
    throw new Error(`boot ${boot.boot} failed: ${JSON.stringify(boot)}\n--- console ---\n${(await h.consoleLog()).slice(-6000)}`);
  }
  return boot;
}

const inContainer = (h: SimHost, ...argv: string[]) => h.check(['docker', 'exec', HOST_LAYOUT.container, ...argv]);

beforeAll(async () => {
  world = await createWorld();
  first = await world.pushImage(inject('appImage'), 'berth/notes');
  // A second build of the same app with another revision: a new digest to redeploy.
  await check(['docker', 'build', '--quiet', '--tag', secondTag, '--build-arg', 'REVISION=sim-second', `${repoRoot}/app`], { timeoutMs: 600_000 });
  second = await world.pushImage(secondTag, 'berth/notes');
  volume = await world.createVolume(VOLUME_ID, 256);
}, 1_200_000);

afterAll(async () => {
  await world?.close();
  await check(['docker', 'image', 'rm', '--force', secondTag, ...extraTags]).catch(() => undefined);
});

describe('a fresh host running the rendered user-data', () => {
  it('boots, formats the blank volume, and serves the app on the host port', async () => {
    expect(second.digest).not.toBe(first.digest);
    host = await world.launchHost({ userData: userData(release(first)), instanceId: 'i-0aaa1111bbbb22223', volume, ssmParameters: ssmParameters() });
    await expectBootOk(host);
    const log = await host.consoleLog();
    expect(log).toContain(`data volume ${VOLUME_ID} (/dev/nvme1n1) is blank; formatting it ext4`);
    expect(log).toContain(`berth: OK: ${first.reference} is healthy on port 80`);
    expect((await api(host.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('runs exactly the pushed digest, with the env and the secret env from SSM inside', async () => {
    expect((await host.check(['docker', 'inspect', '--format', '{{.Config.Image}}', HOST_LAYOUT.container])).trim()).toBe(first.reference);
    expect((await inContainer(host, 'printenv', 'GREETING')).trim()).toBe('hello from the sim host');
    expect((await inContainer(host, 'printenv', 'API_KEY')).trim()).toBe(API_KEY);
    expect((await api(host.url, 'GET', '/api/info')).body.greeting).toBe('hello from the sim host');
  });

  it('read its secrets from SSM with the role credentials IMDS issued, decrypted, pinned by version', async () => {
    const calls = (await host.ssmCalls()).filter((c) => c.status === 200);
    const issued = new Set((await host.imdsCredentials()).map((c) => c.AccessKeyId));
    expect(calls.map((c) => c.names).flat().sort()).toEqual([`${TOKEN_PARAM}:1`, `${API_KEY_PARAM}:1`].sort());
    for (const call of calls) {
      expect(call.target).toBe('AmazonSSM.GetParameter');
      expect(call.withDecryption).toBe(true);
      expect(issued.has(call.accessKeyId!)).toBe(true);
    }
  });

  it('keeps secrets out of the console, the user-data, the env file mode and the registry login', async () => {
    const log = await host.consoleLog();
    expect(log).not.toContain(API_KEY);
    expect(log).not.toContain(world.registry.password);
    expect(userData(release(first))).not.toContain(API_KEY);
    expect((await host.check(['stat', '-c', '%a %U', HOST_LAYOUT.envFile])).trim()).toBe('600 root');
    // The login lived in a throwaway client config, gone after the pull.
    const leftovers = await host.exec(['sh', '-c', 'ls -d /run/berth-docker.* /root/.docker/config.json 2>/dev/null']);
    expect(leftovers.stdout).toBe('');
  });

  it('stands in a faithful world: IMDSv2 only, and an SSM endpoint that refuses what AWS refuses', async () => {
    // Without this, a script that skipped the token or the signature would pass here and fail on EC2.
    expect((await host.check(['cloud-id'])).trim()).toBe('aws');
    const v1 = await host.exec(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://169.254.169.254/latest/meta-data/instance-id']);
    expect(v1.stdout).toBe('401');
    const [creds] = await host.imdsCredentials();
    const badSecret = await host.exec(['aws', 'ssm', 'get-parameter', '--region', world.region, '--name', TOKEN_PARAM, '--with-decryption'], {
      env: { AWS_ACCESS_KEY_ID: creds!.AccessKeyId, AWS_SECRET_ACCESS_KEY: 'not-the-secret', AWS_SESSION_TOKEN: creds!.Token },
    });
    expect(badSecret.stderr).toContain('(InvalidSignatureException)');
    const oldVersion = await host.exec(['aws', 'ssm', 'get-parameter', '--region', world.region, '--name', `${API_KEY_PARAM}:7`, '--with-decryption']);
    expect(oldVersion.stderr).toContain('(ParameterVersionNotFound)');
  });

  it('keeps notes on the data volume, in the container as its user', async () => {
    const created = await api(host.url, 'POST', '/api/notes', { title: 'kept', body: 'written on the first boot' });
    expect(created.status).toBe(201);
    noteId = created.body.id;
    const mounts = await host.check(['findmnt', '-no', 'SOURCE,FSTYPE', HOST_LAYOUT.mount]);
    expect(mounts.trim()).toBe('/dev/nvme1n1 ext4');
    expect((await host.check(['stat', '-c', '%u:%g', `${HOST_LAYOUT.dataDir}/notes/${noteId}.json`])).trim()).toBe(containerShape.user);
  });

  it('converges again on a reboot, changing nothing, and the note is there', async () => {
    const before = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', HOST_LAYOUT.container])).trim();
    await host.reboot();
    await expectBootOk(host);
    expect(await host.consoleLog()).toMatch(/boot 2[\s\S]*berth: release already deployed/);
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', HOST_LAYOUT.container])).trim()).toBe(before);
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('redeploys a second digest, and a new secret version, on a stop/start with new user-data', async () => {
    await host.setSsmParameters(ssmParameters(2));
    const next = release(second, 2);
    await host.stopStart({ userData: userData(next) });
    await expectBootOk(host);
    expect(await host.consoleLog()).toContain(`berth: OK: ${second.reference} is healthy on port 80`);
    expect((await host.check(['docker', 'inspect', '--format', '{{.Config.Image}} {{index .Config.Labels "berth.release"}}', HOST_LAYOUT.container])).trim())
      .toBe(`${second.reference} ${releaseId(containerShape, next)}`);
    expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe('sim-second');
    expect((await inContainer(host, 'printenv', 'API_KEY')).trim()).toBe(`${API_KEY}-v2`);
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('npm run host:status reads the host through its Run Command script: the digest, healthy, last deploy ok', async () => {
    // Docker's own health turns from starting to healthy after its first interval.
    await waitFor('docker health on the host', async () =>
      (await host.check(['docker', 'inspect', '--format', '{{.State.Health.Status}}', HOST_LAYOUT.container])).trim() === 'healthy' || undefined,
      { timeoutMs: 30_000, intervalMs: 500 });
    // What AWS-RunShellScript runs as root on the host; the status command parses its stdout.
    const stdout = await host.check(['bash', '-c', hostStatusScript(HOST_LAYOUT.container).join('\n')]);
    // Run Command keeps this output in SSM's history: it holds no env, so no secret.
    expect(stdout).not.toContain(API_KEY);
    expect(stdout).not.toContain('GREETING');
    const { inspect, deploy } = splitStatusOutput(stdout);
    const lines = describeContainer(parseInspect(inspect, HOST_LAYOUT.container)!, new Date());
    expect(lines[0]).toBe(`container  ${HOST_LAYOUT.container}: running, healthy`);
    expect(lines[1]).toBe(`image      ${second.reference} (release ${releaseId(containerShape, release(second, 2))})`);
    expect(describeDeploy(deploy)).toMatch(new RegExp(`^last deploy ok at \\S+: release ${releaseId(containerShape, release(second, 2))}$`));
  });

  it('rolls back to the first digest (berth:pinDigest) by stop/start, without a pull: the image is still there', async () => {
    const before = (await host.consoleLog()).length;
    await host.stopStart({ userData: userData(release(first, 2)) });
    await expectBootOk(host);
    const log = (await host.consoleLog()).slice(before);
    expect(log).toContain(`berth: OK: ${first.reference} is healthy on port 80`);
    expect(log).not.toContain('berth: pulling');
    expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe('e2e-test');
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('keeps three images of the repository (the running one and the newest others) and removes older ones', async () => {
    // Two more releases after the rollback: the host then holds four images of the repository.
    for (const revision of ['sim-third', 'sim-fourth']) {
      const tag = `berth-notes:${revision}-${process.pid}`;
      extraTags.push(tag);
      await check(['docker', 'build', '--quiet', '--tag', tag, '--build-arg', `REVISION=${revision}`, `${repoRoot}/app`], { timeoutMs: 600_000 });
      const pushed = await world.pushImage(tag, 'berth/notes');
      await host.stopStart({ userData: userData(release(pushed, 2)) });
      await expectBootOk(host);
      expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe(revision);
    }
    const present = async (image: PushedImage) => (await host.exec(['docker', 'image', 'inspect', image.reference])).code === 0;
    // Built in this order: first, second, third, fourth. Running fourth, it keeps third and second.
    expect(await present(second)).toBe(true);
    expect(await present(first)).toBe(false);
    expect(await host.consoleLog()).toContain('berth: removed an older image of registry.berth.test:5443/berth/notes');
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('a replacement host mounts the same volume without formatting it, and the note is there', async () => {
    await host.terminate();
    host = await world.launchHost({ userData: userData(release(second, 2)), instanceId: 'i-0bbb3333cccc44445', volume, ssmParameters: ssmParameters(2) });
    await expectBootOk(host);
    const log = await host.consoleLog();
    expect(log).not.toContain('is blank; formatting it');
    expect(log).toContain(`data volume ${VOLUME_ID} mounted on ${HOST_LAYOUT.mount}`);
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });
});

describe('a host that cannot deploy', () => {
  it('fails its boot with the reason on the console, and never prints the token', async () => {
    const spare = await world.createVolume('vol-0fff0000eeee11112', 64);
    // (the launch waits for its volume, as a real one might: this host gets a volume of its own)
    const wrongToken = `wrong-${Math.random().toString(36).slice(2)}`;
    const broken = await world.launchHost({
      userData: userData(release(first, 1, spare.volumeId)),
      volume: spare,
      ssmParameters: { ...ssmParameters(), [TOKEN_PARAM]: { type: 'SecureString', value: wrongToken } },
    });
    const boot = await broken.waitForBoot({ timeoutMs: 240_000 });
    expect(boot.ok).toBe(false);
    expect(boot.failedScripts).toEqual([expect.objectContaining({ exitCode: 1 })]);
    const log = await broken.consoleLog();
    expect(log).toContain(
      `berth: FAILED: docker login to ${REGISTRY_ADDRESS} as ${world.registry.username} failed; check berth:registryUsername and berth:registryToken`,
    );
    expect(log).not.toContain(wrongToken);
    expect((await broken.exec(['cat', HOST_LAYOUT.statusFile])).stdout).toMatch(/^failed [0-9a-f]{16} \S+: docker login/);
    await broken.terminate();
  });
});
