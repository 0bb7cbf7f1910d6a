// The second example app, examples/guestbook (Python's standard library, port 5000, /up,
// /var/lib/guestbook, uid 10001), on the real Docker engine: its image builds from its own folder
// on its own base (python:3.11-slim-bookworm, or the stand-in sim/images/build-python.sh makes),
// and it runs under berth's docker-run builder and hardening with nothing changed but the shape's
// values. Its deploy on the simulated host is a separate test.
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { dockerRun } from '../../infra/app/docker-commands.js';
import { memoryBytes } from '../../infra/app/spec.js';
import { projectFiles } from '../../infra/config/read.js';
import { appFromStackFile } from '../../ops/local/plan.js';
import { check, run, waitFor } from '../../ops/run.js';
import { Cleanup, docker, publishedUrl, uniqueName, waitHealthy } from '../../sim/docker.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';

// The guestbook as its stack config describes it (examples/guestbook/stack-config.yaml), read by the
// validator `pulumi up` and `npm run local:* -- --stack` use: berth's defaults (hardening, limits,
// restart, logs) with the values the guestbook sets.
const guestbook = appFromStackFile('guestbook', readFileSync(path.join(repoRoot, 'examples/guestbook/stack-config.yaml'), 'utf8'), projectFiles(repoRoot));
const dataDir = guestbook.dataPath!;

const cleanup = new Cleanup();
const image = cleanup.image(`berth-guestbook:test-${process.pid}-${Date.now().toString(36)}`);
afterAll(() => cleanup.run());

beforeAll(async () => {
  // The base image the Dockerfile pins; a stand-in where Docker Hub cannot be reached.
  await check(['bash', path.join(repoRoot, 'sim/images/build-python.sh')], { timeoutMs: 900_000 });
  await check(['docker', 'build', '--quiet', '--tag', image, '--build-arg', 'REVISION=e2e-guestbook', path.join(repoRoot, 'examples/guestbook')], {
    timeoutMs: 600_000,
  });
});

/** Starts the guestbook the way berth runs an app, on a fresh volume; returns its base URL. */
async function start(prefix: string, opts: { readOnlyData?: boolean } = {}) {
  const name = cleanup.container(uniqueName(prefix));
  const volume = cleanup.volume(`${name}-data`);
  const argv = [...dockerRun(guestbook, { name, image, publish: { hostIp: '127.0.0.1', hostPort: 0 }, data: { kind: 'volume', name: volume } })];
  if (opts.readOnlyData) {
    // The same run with the data volume mounted read-only: the server starts, but cannot write.
    const at = argv.indexOf(`${volume}:${dataDir}`);
    expect(at).toBeGreaterThan(0);
    argv[at] += ':ro';
  }
  await check(argv);
  return { name, volume, url: await publishedUrl(name, guestbook.port) };
}

function answering(url: string, path: string) {
  return waitFor(`${url}${path} to answer`, () => api(url, 'GET', path, undefined, 2000), { timeoutMs: 30_000, intervalMs: 100 });
}

describe('the guestbook image', () => {
  it('runs as uid 10001 on port 5000 with a Python health check, its revision labelled, Python 3.11 first on PATH', async () => {
    const [config] = JSON.parse(await docker('image', 'inspect', image)).map((i: any) => i.Config);
    expect(config.User).toBe(guestbook.user);
    expect(Object.keys(config.ExposedPorts)).toEqual([`${guestbook.port}/tcp`]);
    expect(config.Healthcheck.Test).toEqual(['CMD', 'python3', '/app/healthcheck.py']);
    expect(config.Env).toEqual(expect.arrayContaining(['PORT=5000', `DATA_DIR=${dataDir}`, 'APP_REVISION=e2e-guestbook', 'LANG=C.UTF-8']));
    expect(config.Labels).toMatchObject({ 'org.opencontainers.image.revision': 'e2e-guestbook', 'org.opencontainers.image.title': 'berth-guestbook' });
    // The interpreter the official image puts first on PATH, of the version the tag pins.
    const version = await docker('run', '--rm', '--entrypoint', 'sh', image, '-c', 'command -v python3; command -v python; python3 --version');
    expect(version.trim().split('\n')).toEqual(['/usr/local/bin/python3', '/usr/local/bin/python', expect.stringMatching(/^Python 3\.11\.\d+$/)]);
  });
});

describe('the guestbook under berth hardening', () => {
  let app: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    app = await start('guestbook');
  });

  it('runs read-only as uid 10001 with no capabilities, writable only in /tmp and its data directory', async () => {
    await answering(app.url, '/');
    const status = await docker('exec', app.name, 'cat', '/proc/1/status');
    expect(status).toMatch(/^Uid:\s+10001\s/m);
    expect(status).toMatch(/^Gid:\s+10001\s/m);
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
    const root = await run(['docker', 'exec', app.name, 'sh', '-c', 'touch /app/x']);
    expect(root.stderr).toContain('Read-only file system');
    await docker('exec', app.name, 'sh', '-c', `touch /tmp/x ${dataDir}/x && rm /tmp/x ${dataDir}/x`);
    const [host] = JSON.parse(await docker('inspect', app.name)).map((c: any) => c.HostConfig);
    expect(host).toMatchObject({ ReadonlyRootfs: true, PidsLimit: guestbook.pids, Memory: memoryBytes(guestbook), CapDrop: ['ALL'] });
    expect(Object.keys(host.Tmpfs)).toEqual(['/tmp']);
  });

  it('turns healthy, and says which revision it runs', async () => {
    expect(await waitHealthy(app.name)).toBe('healthy');
    expect((await api(app.url, 'GET', '/up')).status).toBe(200);
    expect((await api(app.url, 'GET', '/')).body).toEqual({ app: 'guestbook', revision: 'e2e-guestbook' });
  });

  it('keeps what is posted: POST then GET returns it', async () => {
    const posted = await api(app.url, 'POST', '/entries', { name: 'Ada', message: 'hello from the second app' });
    expect(posted.status).toBe(201);
    expect(posted.body).toMatchObject({ id: expect.stringMatching(/^[0-9a-f]{32}$/), name: 'Ada', message: 'hello from the second app' });
    const listed = await api(app.url, 'GET', '/entries');
    expect(listed.body.entries).toContainEqual(posted.body);
  });

  it('refuses a bad entry with a 400 naming the problem, and stores nothing', async () => {
    const before = (await api(app.url, 'GET', '/entries')).body.entries.length;
    const missing = await api(app.url, 'POST', '/entries', { name: 'Ada' });
    expect(missing.status).toBe(400);
    expect(missing.body.error.message).toBe('message is required');
    const typo = await api(app.url, 'POST', '/entries', { name: 'Ada', mesage: 'hi' });
    expect(typo.status).toBe(400);
    expect(typo.body.error.message).toContain("unknown field 'mesage'");
    expect((await api(app.url, 'POST', '/entries', '{"name":')).status).toBe(400);
    expect((await api(app.url, 'GET', '/entries')).body.entries).toHaveLength(before);
  });

  it('keeps an entry acknowledged just before a SIGKILL, through a restart on the same volume', async () => {
    const posted = await api(app.url, 'POST', '/entries', { name: 'Grace', message: 'written before the kill' });
    expect(posted.status).toBe(201);
    await docker('kill', '--signal', 'KILL', app.name);
    expect((await docker('inspect', '--format', '{{.State.Running}}', app.name)).trim()).toBe('false');
    await docker('start', app.name);
    app.url = await publishedUrl(app.name, guestbook.port);
    const after = await answering(app.url, '/entries');
    expect(after.body.entries).toContainEqual(posted.body);
  });

  it('stops with docker stop in under 2 s and exits 0, even with an idle keep-alive connection open', async () => {
    await waitHealthy(app.name);
    const idle = await keepAliveConnection(app.url);
    try {
      const t0 = performance.now();
      await docker('stop', app.name); // --stop-timeout 10 from berth's shape: SIGKILL only after 10 s
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      idle.destroy();
    }
    expect((await docker('inspect', '--format', '{{.State.ExitCode}}', app.name)).trim()).toBe('0');
    expect(await docker('logs', app.name)).toContain('"event": "stopped", "clean": true');
  });
});

describe('the guestbook without a writable data directory', () => {
  it('serves, but /up answers 503 naming the directory, and a POST is refused, not lost', async () => {
    const app = await start('guestbook-ro', { readOnlyData: true });
    const up = await answering(app.url, '/up');
    expect(up.status).toBe(503);
    expect(up.body.reason).toContain(`${dataDir} is not writable`);
    const posted = await api(app.url, 'POST', '/entries', { name: 'Ada', message: 'nowhere to go' });
    expect(posted.status).toBe(503);
    expect((await api(app.url, 'GET', '/entries')).body.entries).toEqual([]);
  });
});

/** A connection that has had one response and stays open, as a proxy's pooled connection does. */
function keepAliveConnection(baseUrl: string): Promise<net.Socket> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(`GET / HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`));
    let seen = '';
    socket.on('data', (d) => {
      seen += d.toString();
      if (/\r\n\r\n[\s\S]*"revision"/.test(seen)) resolve(socket);
    });
    socket.on('error', reject);
  });
}
