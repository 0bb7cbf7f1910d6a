// berth's host, run unmodified on a simulated fresh EC2 host: a container with its own Docker
// engine, real cloud-init reading the (gzip) user-data from an IMDSv2 endpoint, the real AWS CLI
// reading SecureStrings from an SSM endpoint under its real name, a TLS registry with a login, a
// Docker Hub stand-in serving the pinned Caddy, a block device under the by-id name Nitro gives an
// EBS volume, and an SSM agent stand-in that runs berth's document as State Manager would
// (sim/). The user-data is a bootstrap: at first boot it fetches the stack's current
// release from Parameter Store and serves it; every later release arrives through the document, in
// place: a second digest, a new secret version, a rollback, a bad release. The host is rebooted and
// finally replaced in Pulumi's order while its data volume is kept: the note written by the first
// release is there each time.
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT, releaseId } from '../../infra/release/release.js';
import { hostStatusScript } from '../../infra/host/ssm-commands.js';
import { splitStatusOutput } from '../../ops/host/plan.js';
import { describeContainer, describeDeploy, parseInspect } from '../../ops/status.js';
import { repoRoot } from '../support/engine-setup.js';
import { check, waitFor } from '../../ops/run.js';
import { api } from '../support/http.js';
import { API_KEY_PARAM, PARAMETER_PATH, type SimRelease, TOKEN_PARAM, deployRelease, mustDeploy, releaseParameters, simParameters, simRelease, simSetup, simUserData } from '../../sim/berth.js';
import { type PushedImage, REGISTRY_ADDRESS, type SimHost, type SimVolume, type World, createWorld } from '../../sim/world.js';
import { containerName } from '../../infra/app/spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const VOLUME_ID = 'vol-0a1b2c3d4e5f60789';
const API_KEY = `sim-secret-${Math.random().toString(36).slice(2)}`;

let world: World;
let volume: SimVolume;
let first: PushedImage;
let second: PushedImage;
let host: SimHost;
let noteId: string;
let fourthImage: PushedImage | undefined;
const secondTag = `berth-notes:sim-second-${process.pid}`;
const extraTags: string[] = [];

const userData = () => simUserData(world);
const release = (image: PushedImage, apiKeyVersion = 1): SimRelease => ({ setup: simSetup(world, VOLUME_ID), release: simRelease(world, image, { apiKeyVersion }) });
const idOf = (r: SimRelease) => releaseId(DEFAULT_APP, r.release);

async function expectBootOk(h: SimHost) {
  const boot = await h.waitForBoot({ timeoutMs: 240_000 });
  if (!boot.ok) {
    throw new Error(`boot ${boot.boot} failed: ${JSON.stringify(boot)}\n--- console ---\n${(await h.consoleLog()).slice(-6000)}`);
  }
  return boot;
}

const inContainer = (h: SimHost, ...argv: string[]) => h.check(['docker', 'exec', containerName(DEFAULT_APP), ...argv]);
const serving = async (h: SimHost) =>
  (await h.check(['docker', 'inspect', '--format', '{{.Config.Image}} {{index .Config.Labels "berth.release"}}', containerName(DEFAULT_APP)])).trim();
const appContainers = async (h: SimHost) =>
  (await h.check(['docker', 'ps', '-a', '--filter', `label=berth.app=${containerName(DEFAULT_APP)}`, '--format', '{{.Names}}'])).trim().split('\n').filter(Boolean);

beforeAll(async () => {
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  first = await world.pushImage(inject('appImage'), 'berth/notes');
  // A second build of the same app with another revision: a new digest to release.
  await check(['docker', 'build', '--quiet', '--tag', secondTag, '--build-arg', 'REVISION=sim-second', `${repoRoot}/app`], { timeoutMs: 600_000 });
  second = await world.pushImage(secondTag, 'berth/notes');
  volume = await world.createVolume(VOLUME_ID, 256);
}, 1_200_000);

afterAll(async () => {
  await world?.close();
  await check(['docker', 'image', 'rm', '--force', secondTag, ...extraTags]).catch(() => undefined);
});

describe('a fresh host running the rendered user-data', () => {
  it("serves the stack's current release at its first boot, by itself: blank volume formatted, proxy from Docker Hub, no State Manager run", async () => {
    expect(second.digest).not.toBe(first.digest);
    // What `pulumi up` publishes before it creates the instance: the release bundle and its manifest.
    host = await world.launchHost({
      userData: userData(), instanceId: 'i-0aaa1111bbbb22223', volume,
      ssmParameters: { ...simParameters(world, API_KEY), ...releaseParameters(release(first)) },
    });
    await expectBootOk(host);
    const log = await host.consoleLog();
    expect(log).toContain(`data volume ${VOLUME_ID} (/dev/nvme1n1) is blank; formatting it ext4`);
    expect(log).toContain(`berth: pulling ${CADDY_IMAGE}`);
    expect(log).toContain(`berth: OK: ${first.reference} is healthy and serving`);
    expect(await host.ssmCommands()).toEqual([]);
    expect((await api(host.url, 'GET', '/healthz')).status).toBe(200);
    expect(await serving(host)).toBe(`${first.reference} ${idOf(release(first))}`);
    // Only the proxy publishes a port; the app reaches it on the private network.
    const published = (await host.check(['docker', 'port', HOST_LAYOUT.proxy])).trim().split('\n');
    for (const line of published) expect(line).toMatch(/^80\/tcp -> (0\.0\.0\.0|\[?::\]?):80$/);
    expect((await host.check(['docker', 'port', containerName(DEFAULT_APP)])).trim()).toBe('');
    expect((await host.check(['docker', 'inspect', '--format', '{{range $n, $_ := .NetworkSettings.Networks}}{{$n}} {{end}}', containerName(DEFAULT_APP)])).trim()).toBe(HOST_LAYOUT.network);
    // The bundle that went live is what the next boot converges to.
    expect((await host.check(['ls', HOST_LAYOUT.liveDir])).trim().split('\n')).toEqual(['caddy.json', 'deploy.sh', 'host.env', 'release.env']);
  });

  it("then State Manager's first run of berth's document finds the release already serving", async () => {
    const result = await mustDeploy(host, release(first));
    expect(result.stdout).toContain(`berth: release ${idOf(release(first))}: ${first.reference}`);
    expect(result.stdout).toContain(`berth: release ${idOf(release(first))} is already serving`);
    expect((await api(host.url, 'GET', '/healthz')).status).toBe(200);
  });

  it('runs exactly the pushed digest, with the env and the secret env from SSM inside', async () => {
    expect((await inContainer(host, 'printenv', 'GREETING')).trim()).toBe('hello from the sim host');
    expect((await inContainer(host, 'printenv', 'API_KEY')).trim()).toBe(API_KEY);
    expect((await api(host.url, 'GET', '/api/info')).body.greeting).toBe('hello from the sim host');
  });

  it('read its secrets from SSM decrypted and pinned by version, and its release in plain parts, with the role credentials IMDS issued', async () => {
    const calls = (await host.ssmCalls()).filter((c) => c.status === 200);
    const issued = new Set((await host.imdsCredentials()).map((c) => c.AccessKeyId));
    const secrets = calls.filter((c) => c.withDecryption);
    expect(secrets.map((c) => c.names).flat().sort()).toEqual([`${TOKEN_PARAM}:1`, `${API_KEY_PARAM}:1`].sort());
    const plainReads = calls.filter((c) => !c.withDecryption).map((c) => c.names).flat();
    expect(plainReads.length).toBeGreaterThan(1);
    for (const name of plainReads) expect(name).toMatch(new RegExp(`^${PARAMETER_PATH}/release/(manifest|part-\\d:\\d+)$`));
    for (const call of calls) {
      expect(call.target).toBe('AmazonSSM.GetParameter');
      expect(issued.has(call.accessKeyId!)).toBe(true);
    }
  });

  it('keeps secrets out of the console, the command output, the user-data, the env file mode and the registry login', async () => {
    const log = await host.consoleLog();
    const outputs = (await host.ssmCommands()).map((c) => JSON.stringify(c)).join('\n');
    for (const text of [log, outputs, userData().toString('latin1')]) {
      expect(text).not.toContain(API_KEY);
      expect(text).not.toContain(world.registry.password);
    }
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
    const created = await api(host.url, 'POST', '/api/notes', { title: 'kept', body: 'written by the first release' });
    expect(created.status).toBe(201);
    noteId = created.body.id;
    const mounts = await host.check(['findmnt', '-no', 'SOURCE,FSTYPE', HOST_LAYOUT.mount]);
    expect(mounts.trim()).toBe('/dev/nvme1n1 ext4');
    expect((await host.check(['stat', '-c', '%u:%g', `${HOST_LAYOUT.dataDir}/notes/${noteId}.json`])).trim()).toBe(DEFAULT_APP.user);
  });

  it('converges on a reboot to the last release that went live, replacing nothing', async () => {
    const before = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim();
    await host.reboot();
    await expectBootOk(host);
    expect(await host.consoleLog()).toMatch(new RegExp(`boot 2[\\s\\S]*berth: release ${idOf(release(first))} is already serving`));
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim()).toBe(before);
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('releases a second digest and a new secret version in place: no stop, no reboot, the old container gone', async () => {
    const boots = host.boots;
    await host.setSsmParameters(simParameters(world, API_KEY, 2));
    const next = release(second, 2);
    const result = await mustDeploy(host, next);
    expect(result.stdout).toContain(`berth: release ${idOf(next)} is serving (was ${idOf(release(first))})`);
    expect(result.stdout).toContain(`berth: release ${idOf(release(first))} drained and removed`);
    expect(host.boots).toBe(boots);
    expect(await serving(host)).toBe(`${second.reference} ${idOf(next)}`);
    expect(await appContainers(host)).toEqual([containerName(DEFAULT_APP)]);
    expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe('sim-second');
    expect((await inContainer(host, 'printenv', 'API_KEY')).trim()).toBe(`${API_KEY}-v2`);
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('the same release again changes nothing', async () => {
    const before = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim();
    const result = await mustDeploy(host, release(second, 2));
    expect(result.stdout).toContain('is already serving');
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim()).toBe(before);
  });

  it('npm run host:status reads the host through its Run Command script: the digest, healthy, last deploy ok', async () => {
    // Docker's own health turns from starting to healthy after its first interval.
    await waitFor('docker health on the host', async () =>
      (await host.check(['docker', 'inspect', '--format', '{{.State.Health.Status}}', containerName(DEFAULT_APP)])).trim() === 'healthy' || undefined,
      { timeoutMs: 30_000, intervalMs: 500 });
    // What AWS-RunShellScript runs as root on the host; the status command parses its stdout.
    const stdout = await host.check(['bash', '-c', hostStatusScript(containerName(DEFAULT_APP)).join('\n')]);
    // Run Command keeps this output in SSM's history: it holds no env, so no secret.
    expect(stdout).not.toContain(API_KEY);
    expect(stdout).not.toContain('GREETING');
    const { inspect, deploy } = splitStatusOutput(stdout);
    const id = idOf(release(second, 2));
    const lines = describeContainer(parseInspect(inspect, containerName(DEFAULT_APP))!, new Date());
    expect(lines[0]).toBe(`container  ${containerName(DEFAULT_APP)}: running, healthy`);
    expect(lines[1]).toBe(`image      ${second.reference} (release ${id})`);
    expect(describeDeploy(deploy)).toMatch(new RegExp(`^last deploy ok at \\S+: release ${id}$`));
  });

  it('rolls back to the first digest (berth:pinDigest) without a pull: the image is still there', async () => {
    const result = await mustDeploy(host, release(first, 2));
    expect(result.stdout).toContain(`berth: OK: ${first.reference} is healthy and serving`);
    expect(result.stdout).not.toContain('berth: pulling');
    expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe('e2e-test');
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('keeps three images of the repository (the running one and the two released last before it) and removes older ones, whatever their Created times', async () => {
    // Released so far: first, second, first again (the rollback). Two more: the host then holds
    // four images of the repository. These two are built as a reproducible CI build would
    // (SOURCE_DATE_EPOCH), so their Created times are in 1970, older than first and second, and
    // fourth's older than third's: an order by Created would keep the wrong ones. (BuildKit also
    // gives builds that differ only in a label or env one Created time: that of their last layer.)
    let said = '';
    const built: PushedImage[] = [];
    for (const [revision, epoch] of [['sim-third', 2 * 86400], ['sim-fourth', 86400]] as const) {
      const tag = `berth-notes:${revision}-${process.pid}`;
      extraTags.push(tag);
      await check(['docker', 'build', '--quiet', '--tag', tag, '--build-arg', `REVISION=${revision}`, '--build-arg', `SOURCE_DATE_EPOCH=${epoch}`, `${repoRoot}/app`], { timeoutMs: 600_000 });
      const pushed = await world.pushImage(tag, 'berth/notes');
      built.push(pushed);
      said += (await mustDeploy(host, release(pushed, 2))).stdout;
      expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe(revision);
    }
    const created = async (image: PushedImage) => Date.parse((await host.check(['docker', 'image', 'inspect', '-f', '{{.Created}}', image.reference])).trim());
    const [third, fourth] = built as [PushedImage, PushedImage];
    fourthImage = fourth;
    expect(await created(fourth)).toBeLessThan(await created(third));
    expect(await created(third)).toBeLessThan(await created(first));
    const present = async (image: PushedImage) => (await host.exec(['docker', 'image', 'inspect', image.reference])).code === 0;
    // Running fourth, it keeps third and first (live before third), and removes second.
    expect(await present(fourth)).toBe(true);
    expect(await present(third)).toBe(true);
    expect(await present(first)).toBe(true);
    expect(await present(second)).toBe(false);
    expect(said).toContain('berth: removed an older image of registry.berth.test:5443/berth/notes');
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
  });

  it('a release that cannot pull fails with the reason, never prints the token, and the old release keeps serving', async () => {
    const wrongToken = `wrong-${Math.random().toString(36).slice(2)}`;
    await host.setSsmParameters({ ...simParameters(world, API_KEY, 2), [TOKEN_PARAM]: { type: 'SecureString', value: wrongToken } });
    const before = await serving(host);
    // second was pruned above, so this release must pull, and the login fails.
    const failed = await deployRelease(host, release(second, 2));
    expect(failed.status).toBe('Failed');
    expect(failed.stderr).toContain(
      `berth: FAILED: docker login to ${REGISTRY_ADDRESS} as ${world.registry.username} failed; check berth:registryUsername and berth:registryToken`,
    );
    expect(failed.stdout + failed.stderr).not.toContain(wrongToken);
    expect((await host.check(['cat', HOST_LAYOUT.statusFile])).trim()).toMatch(/^failed [0-9a-f]{12} \S+: docker login/);
    expect(await serving(host)).toBe(before);
    expect((await api(host.url, 'GET', '/api/info')).body.revision).toBe('sim-fourth');
    await host.setSsmParameters(simParameters(world, API_KEY, 2));
  });

  it("a replacement host in Pulumi's order (new instance first, old attachment deleted before the new one) mounts the same volume without formatting it and serves the current release; the note is there", async () => {
    // pulumi up --replace of the instance, step by step as the engine takes them (the instance is
    // created before its old self is deleted; the attachment, deleteBeforeReplace, is deleted and
    // then created; the address moves after the release gate; the old instance goes last).
    const current = release(fourthImage!, 2);
    const old = host;
    // 1. The new instance: it boots while the volume is still attached to the old one, fetches the
    //    current release and waits for the volume.
    const next = await world.launchHost({ userData: userData(), instanceId: 'i-0bbb3333cccc44445', ssmParameters: { ...simParameters(world, API_KEY, 2), ...releaseParameters(current) } });
    await waitFor('the new host to wait for the data volume', async () =>
      (await next.consoleLog()).includes(`waiting for data volume ${VOLUME_ID} to be attached`) || undefined, { timeoutMs: 120_000, intervalMs: 500 });
    // What the default order (the new attachment first) would meet, and a detach from a running host.
    await expect(next.attachVolume(volume)).rejects.toThrow(/^VolumeInUse: /);
    await expect(old.detachVolume()).rejects.toThrow(/stays busy detaching/);
    // 2. The old attachment deleted: stopInstanceBeforeDetaching stops the old host, then detaches.
    await old.stop();
    await old.detachVolume();
    // 3. The new attachment: the volume appears on the running new host, which mounts it and serves.
    await next.attachVolume(volume);
    host = next;
    await expectBootOk(host);
    const log = await host.consoleLog();
    expect(log).not.toContain('is blank; formatting it');
    expect(log).toContain(`data volume ${VOLUME_ID} mounted on ${HOST_LAYOUT.mount}`);
    expect(log).toContain(`berth: OK: ${fourthImage!.reference} is healthy and serving`);
    // 4. The release gate: the association targets the new instance id; State Manager's run finds it serving.
    expect((await mustDeploy(host, current)).stdout).toContain('is already serving');
    expect((await api(host.url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('kept');
    // 5. The old instance is deleted last.
    await old.terminate();
    expect(volume.attachedTo).toBe(next.instanceId);
  });
});
