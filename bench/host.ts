// The host part of npm run bench, on the simulated EC2 host (sim/), timed:
//   - boot: the rendered user-data against a baseline boot whose script does nothing;
//   - releases through berth's SSM document under steady wrk load on the host's published port
//     (closed-loop connections, reads and every tenth request a write): a new digest, a release
//     that never becomes healthy, a rollback to an image still on the host;
//   - the baseline for the swap, in the same run on the same host: a naive stop-then-run of the
//     same images published straight on a port, under the same load;
//   - forced reloads of the proxy's config under the same load, against a steady baseline;
//   - a release and the naive stop-then-run again, each under a load that records every request's
//     end (sim/timeline.ts), drawn as bench/release.svg with the phases the host's Docker
//     events show;
//   - the release waiter (what `pulumi up` runs) through the State Manager stand-in: how long after
//     the host's swap it reports success;
//   - a change of the proxy's settings with a domain (HTTPS from the world's ACME CA, pebble): a
//     new ACME contact email, under HTTPS load.
import { readFileSync, writeFileSync } from 'node:fs';
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { HOST_LAYOUT } from '../infra/release/release.js';
import { containerName } from '../infra/app/spec.js';
import { DEFAULT_APP } from '../infra/config/schema.js';
import { multipart, renderCloudConfig } from '../infra/host/bootstrap.js';
import { PROXY_CONFIG_IN } from '../infra/host/settings.js';
import { type LoadResult, startLoad } from '../sim/load.js';
import { buildNeverHealthy, naiveStopThenRun, startNaive } from '../sim/baseline.js';
import { type SimRelease, deployRelease, mustDeploy, releaseAndWait, releaseParameters, simParameters, simRelease, simSetup, simUserData, stateManagerFor } from '../sim/berth.js';
import { type Timeline, buckets, runTimeline } from '../sim/timeline.js';
import { type ChartPanel, renderReleaseChart } from './release-chart.js';
import { type DockerEvent, berthReleasePhases, naiveReleasePhases } from './release-phases.js';
import { deployScript } from '../infra/host/scripts.js';
import { runSync } from '../ops/run.js';
import { type SimHost, type World, createWorld } from '../sim/world.js';

type Record = (key: string, value: number, note: string) => void;

const round = (x: number) => Math.round(x * 10) / 10;
const RELOADS = 12;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Until HTTPS answers with a certificate the CA issued (Caddy gets it right after the proxy starts). */
async function waitForHttps(url: string, tls: { servername: string; ca: string }): Promise<void> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const probe = await runTimeline({ url, seconds: 0.3, connections: 1, tls });
    if (probe.failed === 0 && probe.requests > 0) return;
    if (Date.now() > deadline) throw new Error(`bench: ${url} never answered over HTTPS for ${tls.servername}`);
    await sleep(1000);
  }
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

/** The host engine's events between two epoch-ms instants (Docker keeps recent ones to replay). */
async function hostEvents(host: SimHost, sinceMs: number, untilMs: number): Promise<DockerEvent[]> {
  const out = await host.check(['docker', 'events', '--since', (sinceMs / 1000).toFixed(3), '--until', (untilMs / 1000).toFixed(3), '--format', '{{json .}}']);
  return out.split('\n').filter(Boolean).map((line) => JSON.parse(line) as DockerEvent);
}

/** Runs `action` 3 s into `seconds` of timeline load; returns the timeline, when action ran (ms
 * from the load's start), and the host's Docker events meanwhile. */
async function timelineUnderLoad(host: SimHost, url: string, seconds: number, action: () => Promise<unknown>, tls?: { servername: string; ca: string }) {
  const load = runTimeline({ url, seconds, ...(tls ? { tls } : {}) });
  const origin = Date.now();
  await sleep(3000);
  const startMs = Date.now() - origin;
  await action();
  const endMs = Date.now() - origin;
  const timeline = await load;
  const events = await hostEvents(host, timeline.startedAt, Date.now());
  return { timeline, startMs: startMs + origin - timeline.startedAt, endMs: endMs + origin - timeline.startedAt, events };
}

/** Runs `action` 3 s into `seconds` of load on url; returns the load and how long action took. */
async function underLoad(url: string, seconds: number, action: () => Promise<unknown>): Promise<{ load: LoadResult; actionS: number }> {
  const load = await startLoad({ url, seconds });
  await sleep(3000);
  const actionS = await timed(action);
  return { load: await load.done, actionS };
}

const DOMAIN = 'notes.berth.test';

export async function benchHost(appImage: string, secondImage: string, record: Record, chartPath: string): Promise<void> {
  let world: World | undefined;
  const brokenTag = `berth-bench-broken:${process.pid}`;
  try {
    world = await createWorld();
    const w = world;
    await w.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
    const first = await w.pushImage(appImage, 'berth/notes');
    const second = await w.pushImage(secondImage, 'berth/notes');
    await buildNeverHealthy(appImage, brokenTag);
    const broken = await w.pushImage(brokenTag, 'berth/notes');
    const mustBoot = async (host: SimHost) => {
      const boot = await host.waitForBoot({ timeoutMs: 300_000 });
      if (!boot.ok) throw new Error(`bench: boot ${boot.boot} failed:\n${(await host.consoleLog()).slice(-3000)}`);
    };

    // Baseline: the same boot, with a script that does nothing.
    const noop = multipart([
      { type: 'text/cloud-config', body: renderCloudConfig() },
      { type: 'text/x-shellscript', body: '#!/bin/bash\ntrue\n' },
    ]);
    const baselineVolume = await w.createVolume('vol-0bbbbbbbbbbbbbbb0', 64);
    const baseline = await timed(async () => mustBoot(await w.launchHost({ userData: noop, volume: baselineVolume })));

    const volume = await w.createVolume('vol-0aaaaaaaaaaaaaaa0', 256);
    let host!: SimHost;
    const release = (ref: string, policy = {}): SimRelease => ({ setup: simSetup(w, volume.volumeId), release: simRelease(w, ref, { policy }) });
    // A brand-new stack's host: its first boot fetches the current release and serves it.
    const firstBoot = await timed(async () => {
      host = await w.launchHost({ userData: simUserData(w), volume, ssmParameters: { ...simParameters(w, 'bench-secret'), ...releaseParameters(release(first.reference)) } });
      await mustBoot(host);
    });
    const firstRelease = await timed(() => mustDeploy(host, release(first.reference)));
    const reboot = await timed(async () => {
      await host.reboot();
      await mustBoot(host);
    });

    const url = `http://${host.privateIp}:80`;
    const swap = await underLoad(url, 25, () => mustDeploy(host, release(second.reference)));
    const bad = await underLoad(url, 20, async () => {
      const result = await deployRelease(host, release(broken.reference, { deployTimeoutS: 8 }));
      if (result.status !== 'Failed') throw new Error('bench: the never-healthy release did not fail');
    });
    const rollback = await underLoad(url, 20, () => mustDeploy(host, release(first.reference)));
    // Upgrading berth: a release whose deploy script changed and nothing else.
    const upgrade = await underLoad(url, 15, () => mustDeploy(host, { ...release(first.reference), script: `${deployScript()}\n# bench upgrade ${process.pid}\n` }));
    const naiveApp = await startNaive(host, first.reference);
    const naive = await underLoad(naiveApp.url, 15, () => naiveStopThenRun(host, second.reference));
    await naiveApp.remove();

    // The picture: the same two releases (first → second), each under the timeline load, long enough
    // for berth's to end (it drains the old container for up to 2 s + its stop) inside the window.
    const drawn = await timelineUnderLoad(host, url, 28, () => mustDeploy(host, release(second.reference)));
    const naiveDrawnApp = await startNaive(host, first.reference);
    const naiveDrawn = await timelineUnderLoad(host, naiveDrawnApp.url, 12, () => naiveStopThenRun(host, second.reference));
    await naiveDrawnApp.remove();
    const caption = (t: Timeline, what: string) => `${what}: ${t.failed} of ${t.requests} requests failed, at ${Math.round(t.requestsPerSecond)} requests/s (8 connections, 1 in 10 a write)`;
    const panels: ChartPanel[] = [
      { title: 'berth: a release behind Caddy (SSM document, health-gated swap)', buckets: buckets(drawn.timeline), caption: caption(drawn.timeline, 'new digest'), phases: berthReleasePhases(drawn.events, drawn.timeline.startedAt, drawn.startMs, drawn.endMs, containerName(DEFAULT_APP)) },
      { title: 'baseline: naive stop-then-run of the same images, published on a port', buckets: buckets(naiveDrawn.timeline), caption: caption(naiveDrawn.timeline, 'new digest'), phases: naiveReleasePhases(naiveDrawn.events, naiveDrawn.timeline.startedAt, naiveDrawn.startMs, naiveDrawn.endMs, 'berth-naive') },
    ];
    writeFileSync(chartPath, renderReleaseChart(panels));

    // What `pulumi up` waits for: the release waiter, with its default poll, through State Manager.
    const sm = await stateManagerFor(w, host, 1500);
    let releaseWaitS: number;
    try {
      const waited = await releaseAndWait(host, sm, release(first.reference), { timeoutS: 300 });
      const waiterEnd = Date.now();
      if (waited.code !== 0) throw new Error(`bench: the release waiter failed (exit ${waited.code}):\n${waited.stdout}\n${waited.stderr}`);
      const hostEnd = (await host.ssmCommands()).at(-1)!.end;
      releaseWaitS = (waiterEnd - hostEnd) / 1000;
    } finally {
      await sm.close();
    }

    // Why a release renames containers rather than reloading the proxy: the same load, first with
    // nothing happening (the baseline), then with RELOADS forced reloads of the very config the
    // proxy runs (a reload replaces the server; Caddy shuts the old one down).
    const steady = await underLoad(url, 12, () => sleep(6000));
    const reloads = await underLoad(url, 15, async () => {
      for (let i = 0; i < RELOADS; i++) {
        await host.check(['docker', 'exec', HOST_LAYOUT.proxy, 'caddy', 'reload', '--config', PROXY_CONFIG_IN, '--force']);
        await sleep(500);
      }
    });
    // (After the releases above: a forced reload leaves the app connections that hold a later stop
    // of that container until the app's own 8 s shutdown timer, which would distort the chart.)

    // A change of the proxy's settings with a domain: HTTPS first (a certificate from pebble), then
    // a new ACME contact email, which only the proxy's config carries, under HTTPS load.
    const acme = await w.startAcme({ names: { [DOMAIN]: host.privateIp } });
    const https = { domain: DOMAIN, acmeCa: acme.directoryUrl, acmeCaRootPem: readFileSync(acme.caCertPath, 'utf8') };
    const withDomain = (acmeEmail?: string): SimRelease => ({ setup: simSetup(w, volume.volumeId, { ...https, ...(acmeEmail ? { acmeEmail } : {}) }), release: simRelease(w, first.reference) });
    await mustDeploy(host, withDomain());
    const tls = { servername: DOMAIN, ca: await acme.rootsPem() };
    const httpsUrl = `https://${host.privateIp}:443`;
    await waitForHttps(httpsUrl, tls);
    const setting = await timelineUnderLoad(host, httpsUrl, 15, () => mustDeploy(host, withDomain('ops@berth.test')), tls);

    const rate = (l: LoadResult) => `${Math.round(l.requestsPerSecond)} requests/s`;
    record('host_boot_baseline_s', round(baseline), 'simulated EC2 host: boot with a user-data that does nothing (cloud-init, dockerd)');
    record('host_first_boot_s', round(firstBoot), "boot → serving the stack's current release: fetch it from Parameter Store, mkfs, pull Caddy and the app (~250 MB, local registry), health gate");
    record('host_first_boot_berth_s', round(firstBoot - baseline), "what berth's bootstrap and first release add to the first boot");
    record('host_first_release_s', round(firstRelease), "State Manager's first run on that host: fetch the bundle, find the release already serving");
    record('host_reboot_s', round(reboot), 'reboot → converged (release already serving: nothing pulled or replaced)');
    record('redeploy_s', round(swap.actionS), 'release of a new digest through the SSM document, under load: pull, health gate, switch, drain');
    record('redeploy_failed_requests', swap.load.failed, `failed requests during that release (target 0), at ${rate(swap.load)} (${swap.load.requests} requests, ${swap.load.created} writes)`);
    record('redeploy_load_rps', Math.round(swap.load.requestsPerSecond), 'the steady load during the release: wrk, 8 connections, 1 in 10 a write (target ≥ 200)');
    record('redeploy_failed_requests_naive', naive.load.failed, `baseline, same host and load: stop-then-run published on a port, at ${rate(naive.load)} (wrk retries a refused connection at once, so this counts attempts during the gap)`);
    record('redeploy_naive_s', round(naive.actionS), 'baseline: the naive stop-then-run until the new container answers');
    record('bad_release_failed_requests', bad.load.failed, `failed requests while a never-healthy release is refused (8 s gate), at ${rate(bad.load)} (target 0)`);
    record('rollback_s', round(rollback.actionS), 'release of the previous digest, still on the host (no pull), under load');
    record('rollback_failed_requests', rollback.load.failed, `failed requests during that rollback, at ${rate(rollback.load)} (target 0)`);
    record('upgrade_failed_requests', upgrade.load.failed, `failed requests during a release that changes only deploy.sh (a berth upgrade: nothing swapped), at ${rate(upgrade.load)} (target 0)`);
    record('steady_failed_requests', steady.load.failed, `baseline for the next: the same load through the proxy with nothing happening, at ${rate(steady.load)}`);
    record('release_chart_failed_requests', drawn.timeline.failed, `the release drawn in bench/release.svg (sim/timeline.ts load, every request timed), at ${Math.round(drawn.timeline.requestsPerSecond)} requests/s; its naive baseline there: ${naiveDrawn.timeline.failed} failed at ${Math.round(naiveDrawn.timeline.requestsPerSecond)} requests/s`);
    record('release_wait_s', round(releaseWaitS), "from the host's swap done to the release waiter's success (what pulumi up runs; State Manager stand-in, agent pickup 1.5 s, the waiter's default 5 s poll)");
    record('host_setting_change_failed_requests', setting.timeline.failed, `a release that changes only the proxy's settings (a new ACME email with berth:domain): the proxy container is replaced, under HTTPS load at ${Math.round(setting.timeline.requestsPerSecond)} requests/s (${setting.timeline.requests} requests)`);
    record('proxy_reload_failed_requests', reloads.load.failed, `${RELOADS} forced reloads of ${CADDY_IMAGE}'s config under the same load, at ${rate(reloads.load)}: why a release never reloads the proxy`);
  } finally {
    await world?.close();
    runSync(['docker', 'image', 'rm', '--force', brokenTag]);
  }
}
