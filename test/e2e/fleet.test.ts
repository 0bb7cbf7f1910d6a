// Fleet mode on the simulated world: three hosts launched as the Auto Scaling group launches them
// (the same bootstrap user-data, no data volume, tagged berth:fleet), behind HAProxy configured
// like the target group (infra/aws/target-group.ts), releases rolled by the State Manager
// stand-in with MaxConcurrency 1 and MaxErrors 0 and waited for by berth's own waiter, all under
// steady load through the load balancer (sim/timeline.ts: closed-loop keep-alive connections,
// every tenth request a write). The notes app keeps its file store on each host here (every write
// lands on the host that took it); with the PostgreSQL store (PGHOST in the env, HostSetup.database)
// the hosts share one database and the roll can also prove every acknowledged write is in it.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { inject } from 'vitest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT } from '../../infra/host/contract.js';
import { TARGET_GROUP, detectionWindowS } from '../../infra/aws/target-group.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { repoRoot } from '../support/engine-setup.js';
import { check } from '../../ops/run.js';
import { api } from '../support/http.js';
import { buildNeverHealthy } from '../../sim/baseline.js';
import { type SimRelease, simDocument, simRelease } from '../../sim/berth.js';
import { SimFleet, fleetSetup, loseHostUnderLoad, underLoad } from '../../sim/fleet.js';
import { type PushedImage, type SimHost, type World, createWorld } from '../../sim/world.js';

const N = 3;
const DB_SECRET_ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-0f1e2d3c-Ab12Cd';
const DB_PASSWORD = `pw-${Math.random().toString(36).slice(2)}`;
let world: World;
let fleet: SimFleet;
let first: PushedImage;
let second: PushedImage;
let broken: PushedImage;
const tags = [`berth-notes:fleet-second-${process.pid}`, `berth-notes:fleet-broken-${process.pid}`];
const release = (image: PushedImage, policy = {}): SimRelease => ({ setup: fleetSetup(world), release: simRelease(world, image, { policy }) });
const revisionOf = async (h: SimHost) => (await api(`http://${h.privateIp}:80`, 'GET', '/api/info')).body.revision as string;
const revisions = () => Promise.all(fleet.hosts.map(revisionOf));
const commandsOf = async (h: SimHost) => h.ssmCommands();

beforeAll(async () => {
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  first = await world.pushImage(inject('appImage'), 'berth/notes');
  await check(['docker', 'build', '--quiet', '--tag', tags[0]!, '--build-arg', 'REVISION=fleet-second', `${repoRoot}/app`], { timeoutMs: 600_000 });
  second = await world.pushImage(tags[0]!, 'berth/notes');
  await buildNeverHealthy(inject('appImage'), tags[1]!);
  broken = await world.pushImage(tags[1]!, 'berth/notes');
  fleet = await SimFleet.create(world, { secrets: { [DB_SECRET_ARN]: JSON.stringify({ username: 'berth', password: DB_PASSWORD }) } });
  // A new stack: its first release is published before the group launches anything.
  await fleet.publish(release(first));
  await Promise.all(Array.from({ length: N }, () => fleet.launch()));
  for (const h of fleet.hosts) await fleet.lb.waitFor(h.instanceId, 'UP');
}, 1_200_000);

afterAll(async () => {
  await fleet?.close();
  await world?.close();
  await check(['docker', 'image', 'rm', '--force', ...tags]).catch(() => undefined);
});

describe('a fleet behind the load balancer', () => {
  it('boots every host from the one user-data without a data volume, and balances over all of them', async () => {
    expect(fleet.hosts).toHaveLength(N);
    for (const h of fleet.hosts) {
      const log = await h.consoleLog();
      expect(log).toContain("berth: no data volume (a fleet host)");
      expect(log).not.toContain('waiting for data volume');
      expect(log).toContain(`berth: OK: ${first.reference} is healthy and serving`);
      // Nothing is mounted there: the directories are plain ones on the root disk.
      expect((await h.exec(['mountpoint', '-q', HOST_LAYOUT.mount])).code).not.toBe(0);
      expect((await h.check(['stat', '-c', '%a', HOST_LAYOUT.proxyDataDir])).trim()).toBe('700');
      // The boot fetched the release itself: State Manager has run nothing yet.
      expect(await commandsOf(h)).toEqual([]);
    }
    expect(await revisions()).toEqual(Array(N).fill('e2e-test'));
    const before = new Map((await fleet.lb.targets()).map((t) => [t.name, t.requests]));
    const { load } = await underLoad(fleet.lb.url, async () => new Promise((r) => setTimeout(r, 2000)), { leadMs: 500, tailMs: 500 });
    expect(load.failed).toBe(0);
    for (const t of await fleet.lb.targets()) expect(t.requests, t.name).toBeGreaterThan(before.get(t.name)! + load.requests / N / 2);
  });

  it('rolls a new digest one host at a time under load: no failed request, every host on it, and the waiter ends only after the last host', async () => {
    const { result: roll, load, duringMs } = await underLoad(fleet.lb.url, () => fleet.release(release(second), { maxConcurrency: 1, maxErrors: 0 }));
    const seconds = (duringMs[1] - duringMs[0]) / 1000;
    console.log(`fleet roll: ${N} hosts in ${seconds.toFixed(1)} s under ${load.requestsPerSecond.toFixed(0)} requests/s, ${load.failed} failed of ${load.requests}`);
    expect(roll.waiter.code, roll.waiter.stdout + roll.waiter.stderr).toBe(0);
    expect(load.failed, JSON.stringify(load.events.filter((e) => !e.ok).slice(0, 10))).toBe(0);
    expect(load.requestsPerSecond).toBeGreaterThanOrEqual(200);
    expect(await revisions()).toEqual(Array(N).fill('fleet-second'));
    // One run per host, never two at once (MaxConcurrency 1), and the waiter after the last.
    const runs = (await Promise.all(fleet.hosts.map(async (h) => (await commandsOf(h)).map((c) => ({ ...c, host: h.instanceId }))))).flat().sort((a, b) => a.start - b.start);
    expect(runs.map((r) => r.host).sort()).toEqual(fleet.hosts.map((h) => h.instanceId).sort());
    for (let i = 1; i < runs.length; i++) expect(runs[i]!.start).toBeGreaterThanOrEqual(runs[i - 1]!.end);
    expect(roll.waiterEnded).toBeGreaterThanOrEqual(runs.at(-1)!.end);
    for (const h of fleet.hosts) expect(roll.waiter.stdout).toContain(`${h.instanceId}: berth: OK: ${second.reference} is healthy and serving`);
  });

  it('stops a release that fails its health gate on the first host: the others keep the old release and run nothing, the waiter fails, no request fails', async () => {
    const ran = new Map(await Promise.all(fleet.hosts.map(async (h) => [h.instanceId, (await commandsOf(h)).length] as const)));
    const { result: roll, load } = await underLoad(fleet.lb.url, () => fleet.release(release(broken, { deployTimeoutS: 5 }), { maxConcurrency: 1, maxErrors: 0 }));
    expect(roll.waiter.code, roll.waiter.stdout + roll.waiter.stderr).toBe(1);
    expect(load.failed).toBe(0);
    const firstTarget = [...ran.keys()].sort()[0]!;
    expect(roll.waiter.stderr).toContain(`${firstTarget}: Failed: berth: FAILED: ${broken.reference} did not answer ${DEFAULT_APP.healthPath} within 5 s`);
    const after = new Map(await Promise.all(fleet.hosts.map(async (h) => [h.instanceId, (await commandsOf(h)).length] as const)));
    for (const [id, n] of ran) expect(after.get(id), id).toBe(id === firstTarget ? n + 1 : n);
    expect(await fleet.overview(roll.associationId)).toMatchObject({ Status: 'Failed', AssociationStatusAggregatedCount: { Failed: 1, Skipped: N - 1 } });
    expect(await revisions()).toEqual(Array(N).fill('fleet-second'));
    // The stack's next `pulumi up` (the good digest again) republishes it: what a new host fetches.
    const back = await fleet.release(release(second));
    expect(back.waiter.code, back.waiter.stderr).toBe(0);
    expect(back.waiter.stdout).toContain('is healthy and serving');
  });

  it("a release with a database reads the RDS-managed secret with the instance role at release time: the app's env file has the PG settings, nothing else has the password", async () => {
    // The notes app here ignores the PG settings (its PostgreSQL store is not in this branch), so
    // the release carries the never-healthy image: it fails its gate after writing the env file, and
    // the host keeps serving. Once the PostgreSQL store lands, this runs the real app against it.
    const host = fleet.hosts[0]!;
    const database = { secretArn: DB_SECRET_ARN, host: 'db.berth.test', port: 5432, name: 'notes' };
    const withDb: SimRelease = { ...release(broken, { deployTimeoutS: 5 }), setup: { ...fleetSetup(world), database } };
    const manifest = await fleet.publish(withDb);
    const result = await host.runDocument(simDocument(), { manifest });
    await fleet.publish(release(second));
    expect(result.status).toBe('Failed');
    const env = await host.check(['cat', HOST_LAYOUT.envFile]);
    expect(env.split('\n')).toEqual(expect.arrayContaining(['PGHOST=db.berth.test', 'PGPORT=5432', 'PGDATABASE=notes', 'PGSSLMODE=require', 'PGUSER=berth', `PGPASSWORD=${DB_PASSWORD}`]));
    expect((await host.check(['stat', '-c', '%a %U', HOST_LAYOUT.envFile])).trim()).toBe('600 root');
    const calls = (await readFile(path.join(host.stateDir, 'secretsmanager-calls.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
    const issued = new Set((await host.imdsCredentials()).map((c) => c.AccessKeyId));
    expect(calls.map((c) => [c.target, c.names, c.status])).toEqual([['secretsmanager.GetSecretValue', [DB_SECRET_ARN], 200]]);
    expect(issued.has(calls[0].accessKeyId)).toBe(true);
    for (const text of [result.stdout + result.stderr, await host.consoleLog(), JSON.stringify(await host.ssmCommands())]) expect(text).not.toContain(DB_PASSWORD);
    expect(await revisionOf(host)).toBe('fleet-second');
  });

  it('routes around a host killed under load; the requests that fail do so inside the detection window', async () => {
    const lost = fleet.hosts[1]!;
    const { result, load } = await loseHostUnderLoad(fleet, lost, { observeS: 20 });
    // The group replaces what the load balancer found unhealthy (the drain is moot for a dead host).
    await fleet.terminate(lost, 0);
    expect(fleet.hosts).toHaveLength(N - 1);
    const windowMs = detectionWindowS() * 1000;
    // At worst the last passing check was just before the kill: the next one starts an interval
    // later, and the last of unhealthyThreshold failing checks ends a check timeout after it starts.
    const latestDetectionMs = windowMs + TARGET_GROUP.healthCheck.timeoutS * 1000 + 1500;
    console.log(`fleet host loss: ${result.failed} of ${load.requests} requests failed; DOWN ${((result.detectedAtMs - result.killedAtMs) / 1000).toFixed(1)} s after the kill; last failure ${(result.failureWindowMs / 1000).toFixed(1)} s after it`);
    const failures = load.events.filter((e) => !e.ok);
    // Nothing fails before the kill. The load balancer marks the host DOWN within the detection
    // window (plus a check's own timeout); a request sent to it before then fails at the latest
    // when the client gives up on it (5 s); after that, every request is answered.
    for (const f of failures) expect(f.atMs).toBeGreaterThanOrEqual(result.killedAtMs);
    expect(result.detectedAtMs - result.killedAtMs).toBeLessThanOrEqual(latestDetectionMs);
    expect(failures.filter((f) => f.atMs > result.detectedAtMs + 5000 + 1000)).toEqual([]);
    expect(load.events.filter((e) => e.ok && e.atMs > result.detectedAtMs + 6000).length).toBeGreaterThan(0);
  });

  it('a host launched later boots the current release before the load balancer sends it traffic', async () => {
    let added: SimHost | undefined;
    const { load } = await underLoad(fleet.lb.url, async () => {
      added = await fleet.launch();
      await fleet.lb.waitFor(added.instanceId, 'UP', 120_000);
      await new Promise((r) => setTimeout(r, 3000));
    });
    expect(load.failed, JSON.stringify(load.events.filter((e) => !e.ok).slice(0, 10))).toBe(0);
    expect(await revisionOf(added!)).toBe('fleet-second');
    expect(await commandsOf(added!)).toEqual([]);
    expect((await fleet.lb.targets()).find((t) => t.name === added!.instanceId)!.requests).toBeGreaterThan(0);
    expect(fleet.hosts).toHaveLength(N);
  });
});
