// Zero-downtime releases, proven under load on the simulated host (sim/): wrk keeps
// closed-loop connections on the host's published port (reads, and every tenth request a write)
// while berth's SSM document swaps the app behind Caddy. The same load against the same host during
// a naive stop-then-run (what berth did before, and what most scripts do) shows what that drops.
// Then: a release that never becomes healthy, two releases at once, a kill -9, a restart of the
// host's Docker engine and a re-run of the boot; each ends with the right version serving and no
// note lost. bench/swap.ts measures the same things for bench/results.json.
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT, releaseId } from '../../infra/release/release.js';
import { deployScript } from '../../infra/host/scripts.js';
import { repoRoot } from '../support/engine-setup.js';
import { check, waitFor } from '../../ops/run.js';
import { api } from '../support/http.js';
import { pollRevisions, revisionRuns, startLoad } from '../../sim/load.js';
import { buildNeverHealthy, naiveStopThenRun, notesOnDisk, startNaive } from '../../sim/baseline.js';
import { type SimRelease, deployRelease, mustDeploy, releaseAndWait as releaseAndWaitOn, releaseParameters, simParameters, simRelease, simSetup, simUserData, stateManagerFor } from '../../sim/berth.js';
import { type PushedImage, type SimHost, type World, createWorld } from '../../sim/world.js';
import type { StateManager } from '../../sim/state-manager.js';
import { containerName } from '../../infra/app/spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const VOLUME_ID = 'vol-0c0c0c0c0c0c0c0c1';
let world: World;
let host: SimHost;
let first: PushedImage;
let second: PushedImage;
let broken: PushedImage;
const tags = [`berth-notes:swap-second-${process.pid}`, `berth-notes:swap-broken-${process.pid}`];
const release = (image: PushedImage, policy = {}): SimRelease => ({ setup: simSetup(world, VOLUME_ID), release: simRelease(world, image, { policy }) });
const appUrl = () => `http://${host.privateIp}:80`;

beforeAll(async () => {
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  first = await world.pushImage(inject('appImage'), 'berth/notes');
  await check(['docker', 'build', '--quiet', '--tag', tags[0]!, '--build-arg', 'REVISION=swap-second', `${repoRoot}/app`], { timeoutMs: 600_000 });
  second = await world.pushImage(tags[0]!, 'berth/notes');
  await buildNeverHealthy(inject('appImage'), tags[1]!);
  broken = await world.pushImage(tags[1]!, 'berth/notes');
  const volume = await world.createVolume(VOLUME_ID, 256);
  // A brand-new stack: its first release is published before the instance boots, and the boot serves it.
  host = await world.launchHost({ userData: simUserData(world), volume, ssmParameters: { ...simParameters(world, 'swap-secret'), ...releaseParameters(release(first)) } });
  const boot = await host.waitForBoot({ timeoutMs: 240_000 });
  if (!boot.ok) throw new Error(`boot failed:\n${(await host.consoleLog()).slice(-4000)}`);
}, 1_200_000);

afterAll(async () => {
  await world?.close();
  await check(['docker', 'image', 'rm', '--force', ...tags]).catch(() => undefined);
});

describe('a release under steady load', () => {
  it('drops no request, loses no write, and the answers switch from the old version to the new one', async () => {
    const notesBefore = await notesOnDisk(host);
    const poller = pollRevisions(appUrl());
    const load = await startLoad({ url: appUrl(), seconds: 25 });
    await new Promise((r) => setTimeout(r, 3000));
    const started = Date.now();
    const result = await mustDeploy(host, release(second));
    const releaseS = (Date.now() - started) / 1000;
    const stats = await load.done;
    const samples = await poller.stop();
    expect(releaseS, 'the release must finish inside the load window').toBeLessThan(20);
    expect(result.stdout).toContain(`berth: release ${releaseId(DEFAULT_APP, release(second).release)} is serving`);
    expect(stats.failed, stats.raw).toBe(0);
    expect(stats.requestsPerSecond).toBeGreaterThanOrEqual(200);
    expect(revisionRuns(samples)).toEqual(['e2e-test', 'swap-second']);
    // Every acknowledged write is on disk; a few more may be, answered after wrk stopped counting
    // (at most one in flight per connection).
    expect(stats.created).toBeGreaterThan(0);
    const written = (await notesOnDisk(host)) - notesBefore;
    expect(written).toBeGreaterThanOrEqual(stats.created);
    expect(written).toBeLessThanOrEqual(stats.created + 8);
  });

  it('upgrading berth is a release too: a new deploy script arrives in place, swaps nothing, drops nothing', async () => {
    const container = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim();
    const upgraded = `${deployScript()}\n# berth upgrade ${process.pid}\n`;
    const load = await startLoad({ url: appUrl(), seconds: 10 });
    await new Promise((r) => setTimeout(r, 2000));
    const result = await mustDeploy(host, { ...release(second), script: upgraded });
    const stats = await load.done;
    expect(result.stdout).toContain(`berth: release ${releaseId(DEFAULT_APP, release(second).release)} is already serving`);
    expect(stats.failed, stats.raw).toBe(0);
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim()).toBe(container);
    // The next boot converges with the script that came with the last release.
    expect(await host.check(['tail', '-n', '1', `${HOST_LAYOUT.liveDir}/deploy.sh`])).toBe(`# berth upgrade ${process.pid}\n`);
  });

  it('a naive stop-then-run of the same images, under the same load on the same host, drops requests', async () => {
    const naive = await startNaive(host, first.reference);
    const load = await startLoad({ url: naive.url, seconds: 12 });
    await new Promise((r) => setTimeout(r, 3000));
    await naiveStopThenRun(host, second.reference);
    const stats = await load.done;
    await naive.remove();
    expect(stats.failed, stats.raw).toBeGreaterThan(0);
  });

  it('a release that never becomes healthy drops nothing, fails with the reason and its logs, and the old version keeps serving', async () => {
    const poller = pollRevisions(appUrl());
    const load = await startLoad({ url: appUrl(), seconds: 20 });
    await new Promise((r) => setTimeout(r, 2000));
    const result = await deployRelease(host, release(broken, { deployTimeoutS: 8 }));
    const stats = await load.done;
    const samples = await poller.stop();
    expect(result.status).toBe('Failed');
    expect(result.stderr).toContain(`berth: FAILED: ${broken.reference} did not answer ${DEFAULT_APP.healthPath} within 8 s; release ${releaseId(DEFAULT_APP, release(second).release)} keeps serving`);
    expect(result.stderr).toMatch(/its last log lines:\n {2}\| never listening/);
    expect(stats.failed, stats.raw).toBe(0);
    expect(revisionRuns(samples)).toEqual(['swap-second']);
    expect((await host.check(['docker', 'ps', '-a', '--filter', `label=berth.app=${containerName(DEFAULT_APP)}`, '--format', '{{.Names}}'])).trim()).toBe(containerName(DEFAULT_APP));
  });

  it('two releases started at once run one after the other; the later one ends up serving', async () => {
    const [a, b] = await Promise.all([deployRelease(host, release(first)), deployRelease(host, release(second))]);
    expect([a.status, b.status]).toEqual(['Success', 'Success']);
    const waited = [a, b].filter((r) => r.stdout.includes('berth: another deploy is running; waiting for it to finish'));
    expect(waited).toHaveLength(1);
    const last = waited[0] === a ? first : second;
    expect((await api(appUrl(), 'GET', '/api/info')).body.revision).toBe(last === first ? 'e2e-test' : 'swap-second');
    // The one that waited finished after the other: the lock kept their swaps apart.
    const ran = waited[0] === a ? b : a;
    expect(waited[0]!.steps[0]!.end).toBeGreaterThanOrEqual(ran.steps[0]!.end);
    expect(await host.check(['docker', 'ps', '-a', '--filter', `label=berth.app=${containerName(DEFAULT_APP)}`, '--format', '{{.Names}}'])).toBe(`${containerName(DEFAULT_APP)}\n`);
  });
});

describe('the host recovers by itself', () => {
  const servingId = async () => (await host.check(['docker', 'inspect', '--format', '{{index .Config.Labels "berth.release"}}', containerName(DEFAULT_APP)])).trim();
  const healthy = () => waitFor('the app through the proxy', async () => ((await api(appUrl(), 'GET', '/healthz')).status === 200 ? true : undefined), { timeoutMs: 60_000, intervalMs: 200 });

  it('from a kill -9 of the app process: Docker restarts it, the same release serves, no note lost', async () => {
    const before = { id: await servingId(), notes: await notesOnDisk(host) };
    // A crash, not an operator: `docker kill` would count as a manual stop, which restart policies
    // respect. This is the kernel's SIGKILL to the container's main process, as the OOM killer sends.
    const pid = (await host.check(['docker', 'inspect', '--format', '{{.State.Pid}}', containerName(DEFAULT_APP)])).trim();
    await host.check(['kill', '-KILL', pid]);
    await waitFor('Docker to restart the app', async () =>
      Number((await host.check(['docker', 'inspect', '--format', '{{.RestartCount}}', containerName(DEFAULT_APP)])).trim()) > 0 || undefined,
      { timeoutMs: 30_000, intervalMs: 200 });
    await healthy();
    expect(await servingId()).toBe(before.id);
    expect(await notesOnDisk(host)).toBe(before.notes);
  });

  it("from a restart of the host's Docker engine: proxy and app come back, the same release serves", async () => {
    const before = { id: await servingId(), notes: await notesOnDisk(host) };
    await host.restartDocker();
    await healthy();
    expect(await servingId()).toBe(before.id);
    expect(await notesOnDisk(host)).toBe(before.notes);
  });

  it('from a run killed between its two renames: the next run puts the serving container back under its name', async () => {
    const id = await servingId();
    // What a release killed right after renaming the old container away leaves: nothing is named
    // berth-notes, so once its 1 s lookup has expired the proxy finds no app (and answers 502 after
    // retrying for 5 s).
    await host.check(['docker', 'rename', containerName(DEFAULT_APP), `${containerName(DEFAULT_APP)}-retiring-${id}`]);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await api(appUrl(), 'GET', '/healthz')).status).toBe(502);
    const rerun = await host.check([`${HOST_LAYOUT.liveDir}/deploy.sh`, 'boot']);
    expect(rerun).toContain(`berth: no container is named ${containerName(DEFAULT_APP)}; putting ${containerName(DEFAULT_APP)}-retiring-${id} back under that name`);
    expect(rerun).toContain(`berth: release ${id} is already serving`);
    await healthy();
    expect(await servingId()).toBe(id);
  });

  it('from a re-run of the boot: it converges and replaces nothing', async () => {
    const container = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim();
    const proxy = (await host.check(['docker', 'inspect', '--format', '{{.Id}}', HOST_LAYOUT.proxy])).trim();
    const rerun = await host.check([`${HOST_LAYOUT.liveDir}/deploy.sh`, 'boot']);
    expect(rerun).toContain('is already serving');
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', containerName(DEFAULT_APP)])).trim()).toBe(container);
    expect((await host.check(['docker', 'inspect', '--format', '{{.Id}}', HOST_LAYOUT.proxy])).trim()).toBe(proxy);
  });
});

describe('pulumi up waits for each release: the release waiter, through a State Manager stand-in', () => {
  let sm: StateManager;
  // The agent takes a moment to pick a new association up, as on EC2.
  beforeAll(async () => {
    sm = await stateManagerFor(world, host, 1500);
  });
  afterAll(async () => sm?.close());
  const releaseAndWait = (r: SimRelease, timeoutS = 120) => releaseAndWaitOn(host, sm, r, { timeoutS, pollS: 0.5 });

  it("a release that fails its health gate fails the waiter with the host's reason, and the old release keeps serving", async () => {
    const before = (await api(appUrl(), 'GET', '/api/info')).body.revision;
    const waited = await releaseAndWait(release(broken, { deployTimeoutS: 5 }));
    expect(waited.code, waited.stdout + waited.stderr).toBe(1);
    expect(waited.stderr).toContain(`${host.instanceId}: Failed: berth: FAILED: ${broken.reference} did not answer ${DEFAULT_APP.healthPath} within 5 s`);
    expect(waited.stderr).toContain('| never listening');
    expect((await api(appUrl(), 'GET', '/api/info')).body.revision).toBe(before);
  });

  it('a good release ends the waiter 0 once the swap is done', async () => {
    const target = (await api(appUrl(), 'GET', '/api/info')).body.revision === 'swap-second' ? first : second;
    const waited = await releaseAndWait(release(target));
    expect(waited.code, waited.stdout + waited.stderr).toBe(0);
    expect(waited.stdout).toContain(`${host.instanceId}: berth: OK: ${target.reference} is healthy and serving`);
    expect((await api(appUrl(), 'GET', '/api/info')).body.revision).toBe(target === first ? 'e2e-test' : 'swap-second');
  });

  it('an agent that never picks the version up ends the waiter at its timeout, saying what it waited for', async () => {
    sm.agentPicksUp = false;
    const waited = await releaseAndWait(release(first), 4);
    sm.agentPicksUp = true;
    expect(waited.code).toBe(3);
    expect(waited.stderr).toMatch(/release wait timed out after \d+(\.\d)? s \(version 1\); still waiting for:\n {2}version 1 of association \S+ to start: State Manager has not run it on any host/);
  });
});
