// Any app, end to end: the guestbook (examples/guestbook: Python, port 5000, /up,
// /var/lib/guestbook, uid 10001) deployed on a simulated EC2 host with nothing but its stack config
// (examples/guestbook/stack-config.yaml, read by the validator `pulumi up` runs). The host boots the
// rendered user-data and serves it; a new digest is released in place, health-gated on /up; an image
// that never answers there is refused while the release before keeps serving; a rollback to the first
// digest serves it again. Every entry acknowledged along the way is on the data volume throughout.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerName } from '../../infra/app/spec.js';
import { projectFiles } from '../../infra/config/read.js';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT } from '../../infra/host/contract.js';
import { releaseId } from '../../infra/release/release.js';
import { appFromStackFile } from '../../ops/local/plan.js';
import { check } from '../../ops/run.js';
import { type SimRelease, deployRelease, mustDeploy, releaseParameters, simParameters, simRelease, simSetup, simUserData } from '../../sim/berth.js';
import { type PushedImage, type SimHost, type World, createWorld } from '../../sim/world.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';

const VOLUME_ID = 'vol-0e1e2e3e4e5e6e7e8';
const app = appFromStackFile('guestbook', readFileSync(path.join(repoRoot, 'examples/guestbook/stack-config.yaml'), 'utf8'), projectFiles(repoRoot));
const tags = [1, 2].map((n) => `berth-guestbook:sim-${n}-${process.pid}-${Date.now().toString(36)}`);

let world: World;
let host: SimHost;
let first: PushedImage;
let second: PushedImage;
let wrongApp: PushedImage;

const release = (image: PushedImage): SimRelease => ({
  app,
  setup: simSetup(world, VOLUME_ID),
  release: simRelease(world, image, { env: { GREETING: 'unused by the guestbook' } }),
});
const revision = async () => (await api(host.url, 'GET', '/')).body.revision;
const entries = async () => (await api(host.url, 'GET', '/entries')).body.entries.map((e: { message: string }) => e.message);

beforeAll(async () => {
  await check(['bash', path.join(repoRoot, 'sim/images/build-python.sh')], { timeoutMs: 900_000 });
  for (const [i, tag] of tags.entries()) {
    await check(['docker', 'build', '--quiet', '--tag', tag, '--build-arg', `REVISION=guestbook-${i + 1}`, path.join(repoRoot, app.context)], { timeoutMs: 600_000 });
  }
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  first = await world.pushImage(tags[0]!, 'berth/guestbook');
  second = await world.pushImage(tags[1]!, 'berth/guestbook');
  // A mistake a user can make: the repository gets another app's image (the notes server listens on
  // 8080, not the 5000 the stack says), which never answers the health path.
  wrongApp = await world.pushImage(inject('appImage'), 'berth/guestbook');
  const volume = await world.createVolume(VOLUME_ID, 256);
  host = await world.launchHost({
    userData: simUserData(world), instanceId: 'i-0ccc5555dddd66667', volume,
    ssmParameters: { ...simParameters(world, 'guestbook-key'), ...releaseParameters(release(first)) },
  });
  const boot = await host.waitForBoot({ timeoutMs: 240_000 });
  if (!boot.ok) throw new Error(`boot failed: ${JSON.stringify(boot)}\n${(await host.consoleLog()).slice(-6000)}`);
}, 1_500_000);

afterAll(async () => {
  await world?.close();
  await check(['docker', 'image', 'rm', '--force', ...tags]).catch(() => undefined);
});

describe('the guestbook on a simulated host, from its stack config alone', () => {
  it('is the app its config describes: named from berth:app.name, as uid 10001, its data directory on the volume, reached through the proxy on /up', async () => {
    expect(app).toMatchObject({ name: 'guestbook', port: 5000, healthPath: '/up', dataPath: '/var/lib/guestbook', user: '10001:10001' });
    const log = await host.consoleLog();
    expect(log).toContain(`berth: OK: ${first.reference} is healthy and serving`);
    const [c] = JSON.parse(await host.check(['docker', 'inspect', containerName(app)]));
    expect(c.Config.User).toBe(app.user);
    expect(c.Config.Labels['berth.release']).toBe(releaseId(app, release(first).release));
    const dataMount = c.Mounts.find((m: { Destination: string }) => m.Destination === app.dataPath);
    expect(dataMount?.Source).toBe(HOST_LAYOUT.dataDir);
    expect((await api(host.url, 'GET', app.healthPath)).status).toBe(200);
    expect(await revision()).toBe('guestbook-1');
  });

  it('keeps an acknowledged entry on the data volume, owned by the app user', async () => {
    const posted = await api(host.url, 'POST', '/entries', { name: 'Ada', message: 'before the release' });
    expect(posted.status).toBe(201);
    const onVolume = await host.check(['cat', `${HOST_LAYOUT.dataDir}/entries.jsonl`]);
    expect(onVolume).toContain('before the release');
    expect((await host.check(['stat', '-c', '%u:%g', HOST_LAYOUT.dataDir])).trim()).toBe(app.user);
  });

  it('releases a new digest in place, health-gated on /up, and the entry is still there', async () => {
    const result = await mustDeploy(host, release(second));
    expect(result.stdout).toContain(`berth: OK: ${second.reference} is healthy and serving`);
    expect(await revision()).toBe('guestbook-2');
    expect(await entries()).toEqual(['before the release']);
    expect((await api(host.url, 'POST', '/entries', { name: 'Ada', message: 'on the second' })).status).toBe(201);
  });

  it('refuses an image that never answers the health path; the release before keeps serving', async () => {
    const failed = await deployRelease(host, release(wrongApp));
    expect(failed.status).toBe('Failed');
    expect(failed.stderr).toContain(`berth: FAILED: ${wrongApp.reference} did not answer ${app.healthPath} within`);
    expect(await revision()).toBe('guestbook-2');
    expect(await entries()).toEqual(['before the release', 'on the second']);
  });

  it('rolls back to the first digest, which serves every entry acknowledged since', async () => {
    const result = await mustDeploy(host, release(first));
    expect(result.stdout).toContain(`berth: OK: ${first.reference} is healthy and serving`);
    expect(await revision()).toBe('guestbook-1');
    expect(await entries()).toEqual(['before the release', 'on the second']);
  });
});
