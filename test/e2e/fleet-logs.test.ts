// A fleet's logs in one place (issue 14), on the simulated world: two hosts launched as the Auto
// Scaling group launches them, their app containers run with Docker's awslogs driver (the release's
// own `docker run`, infra/app/docker-commands.ts awslogsPolicy) by the real Docker Engine 26.1 of
// each host, which reaches CloudWatch Logs at logs.<region>.amazonaws.com: the world's stand-in
// (sim/host/logs.py), which checks every request's signature against the credentials the host's
// IMDS issued and refuses what CloudWatch Logs refuses. Then the AWS CLI v2 of a host follows
// the group with the command line `npm run logs` builds (ops/logs/plan.ts).
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { PROJECT, fleetLogGroupName } from '../../infra/aws/names.js';
import { DEFAULT_APP, DEFAULT_FLEET } from '../../infra/config/schema.js';
import { containerName } from '../../infra/app/spec.js';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { fleetHostSetup } from '../../infra/host/settings.js';
import { hostRelease } from '../../infra/release/bundle.js';
import { candidateName, releaseId } from '../../infra/release/release.js';
import { type LogsTarget, parseLogsArgs, tailArgv } from '../../ops/logs/plan.js';
import { waitFor } from '../../ops/run.js';
import { type SimRelease, simRelease } from '../../sim/berth.js';
import { SimFleet } from '../../sim/fleet.js';
import { type PushedImage, type SimHost, type StoredLogEvent, type World, createWorld } from '../../sim/world.js';
import { api } from '../support/http.js';

const STACK = 'dev';
const GROUP = fleetLogGroupName(PROJECT, STACK);
const API_KEY = `api-key-${randomUUID()}`;
let world: World;
let fleet: SimFleet;
let first: PushedImage;
let release: SimRelease;
let target: LogsTarget;
/** One marker line per host, written by a request the host's app logs (a 404 is logged with its url). */
const markers = new Map<SimHost, string>();
const streamOf = (hostname: string) => `${hostname}/${candidateName(DEFAULT_APP, releaseId(DEFAULT_APP, hostRelease(release.release, release.setup)))}`;
const hostnameOf = async (h: SimHost) => (await h.check(['hostname'])).trim();

beforeAll(async () => {
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  first = await world.pushImage(inject('appImage'), 'berth/notes');
  // The stack makes the group, with its retention; the hosts only write to it.
  await world.createLogGroup(GROUP, DEFAULT_FLEET.logRetentionDays);
  fleet = await SimFleet.create(world, { stack: STACK, apiKey: API_KEY });
  release = { setup: fleetHostSetup({ region: world.region, hostPort: 80, logGroup: GROUP }), release: simRelease(world, first) };
  target = { group: GROUP, region: world.region };
  await fleet.publish(release);
  await Promise.all([fleet.launch(), fleet.launch()]);
  for (const h of fleet.hosts) {
    const marker = `marker-${h.instanceId}-${randomUUID()}`;
    markers.set(h, marker);
    expect((await api(`http://${h.privateIp}:80`, 'GET', `/${marker}`)).status).toBe(404);
  }
  // The driver sends a batch every 5 s (awslogs-force-flush-interval-seconds' default).
  await waitFor("both hosts' marker lines in CloudWatch Logs", async () => {
    const events = await world.logEvents();
    return [...markers.values()].every((m) => events.some((e) => e.message.includes(m))) ? events : undefined;
  }, { timeoutMs: 60_000, intervalMs: 1000 });
}, 900_000);

afterAll(async () => {
  await fleet?.close();
  await world?.close();
});

describe("a fleet's app logs in CloudWatch Logs", () => {
  it("arrive from every host in the stack's group, one stream per host and container", async () => {
    const events = await world.logEvents();
    expect(new Set(events.map((e) => e.group))).toEqual(new Set([GROUP]));
    const byStream = new Map<string, StoredLogEvent[]>();
    for (const e of events) byStream.set(e.stream, [...(byStream.get(e.stream) ?? []), e]);
    for (const [h, marker] of markers) {
      const stream = streamOf(await hostnameOf(h));
      expect(byStream.get(stream)?.some((e) => e.message.includes(marker)), `${marker} in ${stream}`).toBe(true);
      // The other host's marker is not in this host's stream.
      const other = [...markers].find(([o]) => o !== h)![1];
      expect(byStream.get(stream)!.some((e) => e.message.includes(other))).toBe(false);
    }
    expect(byStream.size).toBe(fleet.hosts.length);
  });

  it('were sent only with credentials the host\'s IMDS issued, and every call was accepted', async () => {
    for (const h of fleet.hosts) {
      const issued = new Set((await h.imdsCredentials()).map((c) => c.AccessKeyId));
      const calls = await h.logsCalls();
      expect(calls.map((c) => c.target)).toContain('Logs_20140328.CreateLogStream');
      expect(calls.map((c) => c.target)).toContain('Logs_20140328.PutLogEvents');
      for (const c of calls) {
        expect(issued, `${c.target} from ${h.instanceId}`).toContain(c.accessKeyId);
        expect(c.error, `${c.target} from ${h.instanceId}`).toBeNull();
      }
    }
  });

  it('carry no secret: neither the secret env nor the registry password reached CloudWatch Logs', async () => {
    for (const h of fleet.hosts) {
      const received = JSON.stringify(await h.logsCalls());
      expect(received).toContain(markers.get(h)!); // what it received is really recorded
      expect(received).not.toContain(API_KEY);
      expect(received).not.toContain(world.registry.password);
    }
  });

  it('are still in docker logs on the host (npm run host:logs reads them there)', async () => {
    for (const [h, marker] of markers) {
      const r = await h.exec(['docker', 'logs', containerName(DEFAULT_APP)]);
      expect(r.code, r.stderr).toBe(0);
      expect(`${r.stdout}${r.stderr}`).toContain(marker);
    }
  });

  it('are followed across hosts by aws logs tail, run as npm run logs builds it', async () => {
    const argv = tailArgv(target, parseLogsArgs([]));
    expect(argv).toContain('--follow');
    const h = fleet.hosts[0]!;
    // --follow never ends by itself: it polls FilterLogEvents every 5 s until interrupted.
    // SIGINT, as Control-C: tail.py ends its loop on KeyboardInterrupt and Python flushes stdout.
    const r = await h.exec(['timeout', '--signal=INT', '12', ...argv], { timeoutMs: 60_000 });
    for (const [o, marker] of markers) {
      const line = r.stdout.split('\n').find((l) => l.includes(marker));
      expect(line, `${marker} in:\n${r.stdout.slice(-2000)}\n${r.stderr.slice(-1000)}`).toBeDefined();
      // The detailed format names the stream: which host and container the line is from.
      expect(line).toContain(streamOf(await hostnameOf(o)));
    }
    const tails = (await h.logsCalls()).filter((c) => c.target === 'Logs_20140328.FilterLogEvents');
    expect(tails.length).toBeGreaterThan(1); // followed: polled more than once
    expect(tails.every((c) => c.error === null)).toBe(true);
  });

  it('never hold up a release while CloudWatch Logs is away (non-blocking: the stream is made in the background)', async () => {
    const h = fleet.hosts[0]!;
    // The outage: this host's CloudWatch Logs endpoint stops answering (its stand-in, by pid).
    const pid = (await h.check(['pgrep', '-f', '/opt/berth-sim/bin/logs.py'])).trim();
    expect(pid).toMatch(/^\d+$/);
    await h.check(['kill', pid]);
    const next: SimRelease = { ...release, release: simRelease(world, first, { env: { GREETING: 'while CloudWatch Logs is away', LOG_LEVEL: 'info' } }) };
    const roll = await fleet.release(next, { maxConcurrency: 2, timeoutS: 240 });
    expect(roll.waiter.code, `${roll.waiter.stdout}\n${roll.waiter.stderr}`).toBe(0);
    const marker = `outage-${randomUUID()}`;
    expect((await api(`http://${h.privateIp}:80`, 'GET', `/${marker}`)).status).toBe(404);
    await waitFor('the line in docker logs', async () => {
      const r = await h.exec(['docker', 'logs', containerName(DEFAULT_APP)]);
      return `${r.stdout}${r.stderr}`.includes(marker) ? true : undefined;
    }, { timeoutMs: 15_000, intervalMs: 500 });
  });
});
