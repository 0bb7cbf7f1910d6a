// The image on the real Docker engine, run the plain-docker way: through `npm run local:*` (the
// script users run) and through the same docker-run builder with other values.
import { chownSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerRun } from '../../infra/app/docker-commands.js';
import { Cleanup, docker, publishedUrl, uniqueName, waitHealthy, waitServing } from '../../sim/docker.js';
import { check, run, waitFor } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';
import { CONTAINER_POLICY, NOTES_HEALTHCHECK, memoryBytes } from '../../infra/app/spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const image = inject('appImage');
const cleanup = new Cleanup();
afterAll(() => cleanup.run());

const local = (...args: string[]) =>
  check([process.execPath, '--import', 'tsx', 'ops/local.ts', ...args], { cwd: repoRoot });

async function info(url: string) {
  return (await api(url, 'GET', '/api/info')).body;
}

describe('the image', () => {
  it('is labelled, exposes the container port, runs as the unprivileged user and checks its health', async () => {
    const [config] = JSON.parse(await docker('image', 'inspect', image)).map((i: any) => i.Config);
    expect(config.User).toBe(DEFAULT_APP.user);
    expect(Object.keys(config.ExposedPorts)).toEqual([`${DEFAULT_APP.port}/tcp`]);
    expect(config.Healthcheck.Test).toEqual(['CMD', ...NOTES_HEALTHCHECK.command]);
    expect(config.Labels).toMatchObject({
      'org.opencontainers.image.revision': 'e2e-test',
      'org.opencontainers.image.version': expect.stringMatching(/^\d+\.\d+\.\d+$/),
      'org.opencontainers.image.source': expect.stringMatching(/^https:\/\//),
    });
  });

  it('holds compiled JavaScript and production dependencies only', async () => {
    const listing = await docker('run', '--rm', '--entrypoint', 'sh', image, '-c', 'ls /app; ls /app/node_modules');
    const entries = listing.split('\n');
    expect(entries).toEqual(expect.arrayContaining(['dist', 'node_modules', 'package.json', 'fastify']));
    expect(entries).not.toContain('src');
    expect(entries).not.toContain('typescript');
    expect(entries).not.toContain('tsconfig.json');
  });
});

describe('plain docker run, through npm run local:run', () => {
  const name = cleanup.container(uniqueName('local'));
  cleanup.volume(`${name}-data`);
  let url: string;

  beforeAll(async () => {
    const out = await local('run', '--name', name, '--port', '0', '--image', image);
    expect(out).toContain('$ docker run --detach');
    url = await publishedUrl(name, DEFAULT_APP.port);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await waitServing(url);
  });

  it('serves notes over the published port: create, read, update, list, delete', async () => {
    const created = await api(url, 'POST', '/api/notes', { title: 'over the port', body: 'b' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect((await api(url, 'GET', `/api/notes/${id}`)).body.title).toBe('over the port');
    expect((await api(url, 'PUT', `/api/notes/${id}`, { title: 'updated' })).status).toBe(200);
    expect((await api(url, 'GET', '/api/notes')).body.notes.map((n: any) => n.title)).toContain('updated');
    expect((await api(url, 'DELETE', `/api/notes/${id}`)).status).toBe(204);
    expect((await api(url, 'GET', `/api/notes/${id}`)).status).toBe(404);
    expect((await api(url, 'POST', '/api/notes', '{"title":')).status).toBe(400);
  });

  it('takes env from --env-file (local.env)', async () => {
    expect(readFileSync(path.join(repoRoot, 'local.env'), 'utf8')).toContain('GREETING=hello from local.env');
    expect((await info(url)).greeting).toBe('hello from local.env');
  });

  it('runs as uid 1000 with the --memory, --cpus and --pids-limit limits visible from inside', async () => {
    const seen = await info(url);
    expect(seen).toMatchObject({ uid: 1000, gid: 1000, pid: 1, dataDir: DEFAULT_APP.dataPath, revision: 'e2e-test' });
    expect(seen.node).toMatch(/^v22\./);
    expect(seen.cgroup.memoryLimitBytes).toBe(memoryBytes(DEFAULT_APP));
    expect(seen.cgroup.cpuQuota.cpus).toBe(DEFAULT_APP.cpus);
    expect(seen.cgroup.pidsLimit).toBe(DEFAULT_APP.pids);
    expect((await docker('exec', name, 'id', '-u')).trim()).toBe('1000');
  });

  it('turns healthy', async () => {
    expect(await waitHealthy(name)).toBe('healthy');
  });

  it('npm run local:status says so: state, health, image, uptime and the published port', async () => {
    const lines = (await local('status', '--name', name)).trim().split('\n');
    const port = new URL(url).port;
    expect(lines[0]).toBe(`container  ${name}: running, healthy`);
    expect(lines[1]).toBe(`image      ${image}`);
    expect(lines[2]).toMatch(/^image id   sha256:[0-9a-f]{64}$/);
    expect(lines[3]).toMatch(/^started    \S+Z \(up \d+(m \d+)?s\)$/);
    expect(lines.slice(4)).toEqual(['restarts   0', `ports      127.0.0.1:${port} → 8080/tcp`]);
    await expect(local('status', '--name', `${name}-absent`)).rejects.toThrow(`local: no container named ${name}-absent; start it with npm run local:up`);
  });

  it('runs hardened: read-only root, writable /tmp and data, no capabilities, no new privileges', async () => {
    const root = await run(['docker', 'exec', name, 'sh', '-c', 'touch /app/x']);
    expect(root.code).not.toBe(0);
    expect(root.stderr).toContain('Read-only file system');
    await docker('exec', name, 'sh', '-c', `touch /tmp/x ${DEFAULT_APP.dataPath}/x && rm /tmp/x ${DEFAULT_APP.dataPath}/x`);
    const status = await docker('exec', name, 'cat', '/proc/1/status');
    expect(status).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(status).toMatch(/^CapBnd:\s+0000000000000000$/m);
    expect(status).toMatch(/^NoNewPrivs:\s+1$/m);
  });

  it('docker exec runs a command beside the server, in the same namespaces', async () => {
    const out = await docker('exec', name, 'sh', '-c', 'hostname; tr "\\0" " " </proc/1/cmdline');
    const [hostname, cmdline] = out.trim().split('\n');
    expect(hostname).toBe((await info(url)).hostname);
    expect(cmdline?.trim()).toBe('node dist/main.js');
  });

  it('docker logs shows one JSON line per write, within a second', async () => {
    expect((await api(url, 'POST', '/api/notes?probe=logs', { title: 'logged' })).status).toBe(201);
    await waitFor('the request line in docker logs', async () => {
      const lines = (await docker('logs', name)).split('\n').filter(Boolean).map((l) => JSON.parse(l));
      const mine = lines.filter((l) => l.url === '/api/notes?probe=logs');
      return mine.length > 0 ? mine : undefined;
    }, { timeoutMs: 3000, intervalMs: 100 }).then((mine) => expect(mine).toEqual([expect.objectContaining({ msg: 'request', method: 'POST', status: 201 })]));
  });

  it('keeps notes through docker restart and through recreating the container on the volume', async () => {
    const { id } = (await api(url, 'POST', '/api/notes', { title: 'survivor' })).body;
    await docker('restart', name);
    url = await publishedUrl(name, DEFAULT_APP.port);
    await waitServing(url);
    expect((await api(url, 'GET', `/api/notes/${id}`)).body.title).toBe('survivor');

    await local('down', '--name', name);
    expect((await run(['docker', 'inspect', name])).code).not.toBe(0);
    await local('run', '--name', name, '--port', '0', '--image', image);
    url = await publishedUrl(name, DEFAULT_APP.port);
    await waitServing(url);
    expect((await api(url, 'GET', `/api/notes/${id}`)).body.title).toBe('survivor');
  });

  it("stops on docker stop's SIGTERM, long before the stop timeout's SIGKILL, and exits 0", async () => {
    // Exit 0 is the proof: a server that ignored SIGTERM is SIGKILLed after --stop-timeout and exits
    // 137. The time is the container's own (its FinishedAt), not npm's and tsx's start-up, which on
    // a busy machine alone takes seconds; how fast a stop is belongs in the bench.
    const t0 = Date.now();
    await local('stop', '--name', name);
    const [exitCode, finishedAt] = (await docker('inspect', '--format', '{{.State.ExitCode}} {{.State.FinishedAt}}', name)).trim().split(' ');
    expect(exitCode).toBe('0');
    expect(Date.parse(finishedAt!) - t0).toBeLessThan(CONTAINER_POLICY.stopGraceS * 1000);
  });
});

describe('a bind mount instead of the named volume', () => {
  it('keeps the notes in the host directory', async () => {
    const dir = cleanup.dir(mkdtempSync(path.join(os.tmpdir(), 'berth-bind-')));
    chownSync(dir, 1000, 1000); // the container's user must be able to write it
    const name = cleanup.container(uniqueName('bind'));
    await local('run', '--name', name, '--port', '0', '--image', image, '--bind', dir);
    const url = await publishedUrl(name, DEFAULT_APP.port);
    await waitServing(url);
    const { id } = (await api(url, 'POST', '/api/notes', { title: 'on the host' })).body;
    const file = path.join(dir, 'notes', `${id}.json`);
    expect(existsSync(file)).toBe(true);
    expect(JSON.parse(readFileSync(file, 'utf8')).title).toBe('on the host');
  });
});

describe('env at runtime', () => {
  it('-e wins over the same variable in --env-file', async () => {
    const name = cleanup.container(uniqueName('env'));
    const volume = cleanup.volume(`${name}-data`);
    const [program, ...args] = dockerRun(DEFAULT_APP, {
      name,
      image,
      publish: { hostIp: '127.0.0.1', hostPort: 0 },
      env: { GREETING: 'from -e' },
      envFiles: [path.join(repoRoot, 'local.env')],
      data: { kind: 'volume', name: volume },
    });
    await check([program!, ...args]);
    const url = await publishedUrl(name, DEFAULT_APP.port);
    await waitServing(url);
    expect((await info(url)).greeting).toBe('from -e');
  });

  it('a bad env value stops the container with one line naming the variable', async () => {
    const name = cleanup.container(uniqueName('badenv'));
    const out = await run(['docker', 'run', '--name', name, '--env', 'LOG_LEVEL=chatty', image]);
    expect(out.code).toBe(2);
    expect(out.stderr.trim()).toBe(
      'berth-notes: invalid configuration: LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent; got "chatty"',
    );
  });
});

describe('without a writable data directory', () => {
  it('serves but is not ready: /healthz says why', async () => {
    const name = cleanup.container(uniqueName('nodata'));
    // Read-only root and no volume on /data: nothing to write to.
    await docker('run', '--detach', '--name', name, '--read-only', '--publish', `127.0.0.1:0:${DEFAULT_APP.port}`, image);
    const url = await publishedUrl(name, DEFAULT_APP.port);
    const res = await waitServingAnything(url);
    expect(res.status).toBe(503);
    expect(res.body.error.message).toContain('not writable');
  });
});

async function waitServingAnything(url: string) {
  for (let i = 0; i < 100; i++) {
    try {
      return await api(url, 'GET', '/healthz');
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${url} never answered`);
}
