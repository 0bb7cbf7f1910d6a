// Fleet mode on the simulated world: three hosts launched as the Auto Scaling group launches them
// (the same bootstrap user-data, no data volume, tagged berth:fleet), behind HAProxy configured
// like the target group (infra/aws/target-group.ts), releases rolled by the State Manager
// stand-in with MaxConcurrency 1 and MaxErrors 0 and waited for by berth's own waiter, all under
// steady load through the load balancer (sim/timeline.ts: closed-loop keep-alive connections,
// every tenth request a write). The notes app keeps its notes in one real PostgreSQL all hosts
// share, as on RDS (sim/fleet-database.ts: TLS required, scram password from the RDS-managed
// secret that each release reads with the instance role), so the roll can prove every
// acknowledged write is in it, read straight from the database.
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
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
import { type SimRelease, simRelease, simUserData } from '../../sim/berth.js';
import { type RollResult, SimFleet, fleetSetup, loseHostUnderLoad, underLoad } from '../../sim/fleet.js';
import { type FleetDatabase, launchRacingMigrations, startFleetDatabase } from '../../sim/fleet-database.js';
import { MIGRATIONS } from '../../app/src/pg-store.js';
import { bundleFiles } from '../../infra/release/bundle.js';
import { deployScript } from '../../infra/host/scripts.js';
import { type PushedImage, type SimHost, type World, createWorld } from '../../sim/world.js';

const N = 3;
let world: World;
let db: FleetDatabase;
let fleet: SimFleet;
/** The most hosts seen queued at once on the migrations' advisory lock while the boot held it. */
let queuedOnMigrationLock = 0;
/** Everything the waiter printed, for the password check. */
const waiterOutput: string[] = [];
let first: PushedImage;
let second: PushedImage;
let broken: PushedImage;
const tags = [`berth-notes:fleet-second-${process.pid}`, `berth-notes:fleet-broken-${process.pid}`];
const release = (image: PushedImage, policy = {}): SimRelease => ({ setup: fleetSetup(world, db.setup), release: simRelease(world, image, { policy }) });
const rolled = async (r: Promise<RollResult>) => {
  const done = await r;
  waiterOutput.push(done.waiter.stdout, done.waiter.stderr);
  return done;
};
/** The ids among `ids` that the notes table lacks, asked of PostgreSQL itself. */
const missingFromDatabase = async (ids: readonly string[]) => {
  const stored = new Set((await db.sql('select id from notes')).split('\n').map((l) => l.trim()).filter(Boolean));
  return ids.filter((id) => !stored.has(id));
};
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
  db = await startFleetDatabase(world);
  fleet = await SimFleet.create(world, { secrets: db.secrets });
  // A new stack: its first release is published before the group launches anything.
  await fleet.publish(release(first));
  // The hosts boot together and race on the migrations (held at the lock until they queue on it).
  queuedOnMigrationLock = await launchRacingMigrations(fleet, db, N);
}, 1_200_000);

afterAll(async () => {
  await fleet?.close();
  await db?.close();
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

  it('every host keeps its notes in the one PostgreSQL, over TLS with the secret\'s password: a note written through one host is read through every other', async () => {
    for (const h of fleet.hosts) {
      expect((await api(`http://${h.privateIp}:80`, 'GET', '/api/info')).body.store).toMatchObject({ kind: 'postgres', host: db.setup.host, port: db.setup.port, database: db.setup.name });
    }
    const [writer, ...readers] = fleet.hosts;
    const created = await api(`http://${writer!.privateIp}:80`, 'POST', '/api/notes', { title: 'shared', body: `through ${writer!.instanceId}` });
    expect(created.status).toBe(201);
    for (const h of readers) expect((await api(`http://${h.privateIp}:80`, 'GET', `/api/notes/${created.body.id}`)).body, h.instanceId).toEqual(created.body);
    expect(await missingFromDatabase([created.body.id])).toEqual([]);
    // The check can fail: an id no write returned is missing.
    expect(await missingFromDatabase([created.body.id, randomUUID()])).toHaveLength(1);
    // Every connection from a host (the app's pool) is encrypted; one without TLS is refused.
    const sessions = (await db.sql("select host(a.client_addr) || ' ' || s.ssl from pg_stat_activity a join pg_stat_ssl s using (pid) where a.client_addr is not null and host(a.client_addr) <> '127.0.0.1'"))
      .trim().split('\n').map((l) => l.split(' '));
    expect(new Set(sessions.map(([addr]) => addr))).toEqual(new Set(fleet.hosts.map((h) => h.privateIp)));
    expect(sessions.filter(([, ssl]) => ssl !== 'true')).toEqual([]);
    const plain = await db.probe('disable');
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toMatch(/no pg_hba\.conf entry .*no encryption/);
    expect((await db.probe('require')).code).toBe(0);
  });

  it('the hosts raced on the migrations at boot and the advisory lock held: the schema was made once', async () => {
    // The hosts queued on the lock together (held in beforeAll until they did).
    expect(queuedOnMigrationLock).toBeGreaterThanOrEqual(2);
    expect((await db.sql('select id from berth_migrations order by id')).trim().split('\n')).toEqual(MIGRATIONS.map((m) => m.id));
    // The server's log (log_statement=ddl, each line with its client): every host ran the
    // migrations' check, one of them created the table, and no statement failed on it.
    const log = db.log();
    const ddlClients = new Set([...log.matchAll(/client=(\S+) LOG:\s+statement: create table if not exists berth_migrations/g)].map((m) => m[1]));
    for (const h of fleet.hosts) expect(ddlClients, h.privateIp).toContain(h.privateIp);
    expect(log.match(/statement:\s+create table notes \(/g)).toHaveLength(1);
    expect(log).not.toMatch(/ERROR:.*already exists/);
    const waited = new Set([...log.matchAll(/client=(\S+) LOG:\s+process \d+ (still waiting for|acquired) ExclusiveLock on advisory lock/g)].map((m) => m[1]));
    console.log(`fleet boot: ${queuedOnMigrationLock} of ${N} hosts queued on the migrations' lock at once; hosts that logged a wait: ${waited.size}`);
  });

  it('rolls a new digest one host at a time under load: no failed request, every acknowledged write in PostgreSQL, every host on it, and the waiter ends only after the last host', async () => {
    const { result: roll, load, duringMs } = await underLoad(fleet.lb.url, () => rolled(fleet.release(release(second), { maxConcurrency: 1, maxErrors: 0 })));
    const seconds = (duringMs[1] - duringMs[0]) / 1000;
    const missing = await missingFromDatabase(load.acknowledgedWrites);
    console.log(`fleet roll: ${N} hosts in ${seconds.toFixed(1)} s under ${load.requestsPerSecond.toFixed(0)} requests/s, ${load.failed} failed of ${load.requests}; ${load.acknowledgedWrites.length} acknowledged writes checked in PostgreSQL, ${missing.length} missing`);
    expect(roll.waiter.code, roll.waiter.stdout + roll.waiter.stderr).toBe(0);
    expect(load.failed, JSON.stringify(load.events.filter((e) => !e.ok).slice(0, 10))).toBe(0);
    expect(load.requestsPerSecond).toBeGreaterThanOrEqual(200);
    // Every 201 the clients saw names a row PostgreSQL holds (one in ten requests was a write).
    expect(load.acknowledgedWrites.length).toBeGreaterThan(load.requests / 20);
    expect(missing).toEqual([]);
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
    const { result: roll, load } = await underLoad(fleet.lb.url, () => rolled(fleet.release(release(broken, { deployTimeoutS: 5 }), { maxConcurrency: 1, maxErrors: 0 })));
    expect(roll.waiter.code, roll.waiter.stdout + roll.waiter.stderr).toBe(1);
    expect(load.failed).toBe(0);
    const firstTarget = [...ran.keys()].sort()[0]!;
    expect(roll.waiter.stderr).toContain(`${firstTarget}: Failed: berth: FAILED: ${broken.reference} did not answer ${DEFAULT_APP.healthPath} within 5 s`);
    const after = new Map(await Promise.all(fleet.hosts.map(async (h) => [h.instanceId, (await commandsOf(h)).length] as const)));
    for (const [id, n] of ran) expect(after.get(id), id).toBe(id === firstTarget ? n + 1 : n);
    expect(await fleet.overview(roll.associationId)).toMatchObject({ Status: 'Failed', AssociationStatusAggregatedCount: { Failed: 1, Skipped: N - 1 } });
    expect(await revisions()).toEqual(Array(N).fill('fleet-second'));
    // The stack's next `pulumi up` (the good digest again) republishes it: what a new host fetches.
    const back = await rolled(fleet.release(release(second)));
    expect(back.waiter.code, back.waiter.stderr).toBe(0);
    expect(back.waiter.stdout).toContain('is healthy and serving');
  });

  it("each release that starts a container reads the RDS-managed secret once with the instance role: the app's env file has the PG settings, nothing else has the password", async () => {
    for (const host of fleet.hosts) {
      const env = (await host.check(['cat', HOST_LAYOUT.envFile])).split('\n');
      const { host: dbHost, port, name } = db.setup;
      expect(env).toEqual(expect.arrayContaining([`PGHOST=${dbHost}`, `PGPORT=${port}`, `PGDATABASE=${name}`, 'PGSSLMODE=require', 'PGUSER=berth', `PGPASSWORD=${db.password}`]));
      expect((await host.check(['stat', '-c', '%a %U', HOST_LAYOUT.envFile])).trim()).toBe('600 root');
      // Read once by each release that starts a container: the boot's, the roll's, and on the
      // first host the failed one's (the release after it found its release serving: no read).
      const firstTarget = fleet.hosts.map((h) => h.instanceId).sort()[0];
      const releases = host.instanceId === firstTarget ? 3 : 2;
      const calls = (await readFile(path.join(host.stateDir, 'secretsmanager-calls.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
      const issued = new Set((await host.imdsCredentials()).map((c) => c.AccessKeyId));
      expect(calls.map((c) => [c.target, c.names, c.status]), host.instanceId).toEqual(Array(releases).fill(['secretsmanager.GetSecretValue', [db.setup.secretArn], 200]));
      for (const c of calls) expect(issued.has(c.accessKeyId), c.accessKeyId).toBe(true);
      for (const text of [await host.consoleLog(), JSON.stringify(await host.ssmCommands())]) expect(text).not.toContain(db.password);
    }
    // Nor the release's files, the launch template's user-data, or what the waiter printed.
    const files = bundleFiles(DEFAULT_APP, release(second).setup, release(second).release, deployScript());
    for (const f of files) expect(f.text, f.name).not.toContain(db.password);
    expect(files.find((f) => f.name === 'host.env')!.text).toContain(db.setup.secretArn);
    expect(gunzipSync(simUserData(world)).toString('utf8')).not.toContain(db.password);
    expect(waiterOutput.length).toBeGreaterThan(0);
    for (const text of waiterOutput) expect(text).not.toContain(db.password);
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
    // A write whose answer was lost with the host may or may not have committed; one acknowledged did.
    expect(load.acknowledgedWrites.length).toBeGreaterThan(0);
    expect(await missingFromDatabase(load.acknowledgedWrites)).toEqual([]);
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
    // It serves the notes the others wrote before it existed: the shared store.
    const [oldest] = (await db.sql('select id from notes order by created_at, id limit 1')).trim().split('\n');
    expect((await api(`http://${added!.privateIp}:80`, 'GET', `/api/notes/${oldest}`)).status).toBe(200);
    expect((await fleet.lb.targets()).find((t) => t.name === added!.instanceId)!.requests).toBeGreaterThan(0);
    expect(fleet.hosts).toHaveLength(N);
  });
});
