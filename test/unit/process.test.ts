// The server as a real process: how it starts, stops and survives being killed.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { api } from '../support/http.js';
import { LOG_FLUSH_MS } from '../../app/src/server.js';
import { waitFor } from '../../ops/run.js';
import { type ServerProcess, spawnServer, startServer } from '../support/server-process.js';

let dataDir: string;
const servers: ServerProcess[] = [];
beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-proc-'));
});
afterEach(() => {
  for (const s of servers.splice(0)) s.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});
async function start(env: Record<string, string> = {}) {
  const server = await startServer({ DATA_DIR: dataDir, ...env });
  servers.push(server);
  return server;
}

describe('start-up', () => {
  it.each([
    [{ PORT: 'eighty' }, 'PORT'],
    [{ LOG_LEVEL: 'verbose' }, 'LOG_LEVEL'],
    [{ DATA_DIR: 'relative/dir' }, 'DATA_DIR'],
  ])('exits non-zero with one line naming the variable for %j', async (env, variable) => {
    const proc = spawnServer({ DATA_DIR: dataDir, PORT: '1', ...env });
    const { code } = await proc.exited;
    expect(code).toBe(2);
    const lines = proc.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(new RegExp(`^berth-notes: invalid configuration: ${variable}: `));
  });
});

describe('logs', () => {
  it('are written in chunks, yet an idle server shows a request\'s line within a second', async () => {
    const server = await start();
    const before = server.output().length;
    const note = await api(server.url, 'POST', '/api/notes', { title: 'logged', body: '' });
    expect(note.status).toBe(201);
    const sent = Date.now();
    await waitFor('the request line on stdout', async () => (server.output().slice(before).includes('"url":"/api/notes"') ? true : undefined), { timeoutMs: 3000, intervalMs: 20 });
    // LOG_FLUSH_MS, plus a scheduling margin on a busy machine.
    expect(Date.now() - sent).toBeLessThan(LOG_FLUSH_MS + 700);
    const line = JSON.parse(server.output().slice(before).split('\n').find((l) => l.includes('"url":"/api/notes"'))!);
    expect(line).toMatchObject({ method: 'POST', status: 201, msg: 'request' });
  });
});

describe('SIGTERM', () => {
  it('finishes the request in flight, refuses new connections, and exits 0', async () => {
    const server = await start();
    const { port } = new URL(server.url);
    // A POST whose body arrives slowly is in flight while the signal lands.
    const payload = JSON.stringify({ title: 'in flight', body: 'x'.repeat(1000) });
    const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { agent: new http.Agent({ keepAlive: true }), host: '127.0.0.1', port, method: 'POST', path: '/api/notes', headers: { 'content-type': 'application/json', 'content-length': payload.length } },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode!, body }));
        },
      );
      req.on('error', reject);
      req.write(payload.slice(0, 10));
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(async () => {
          // Now stopping: a new connection is refused.
          await expect(fetch(`${server.url}/healthz`)).rejects.toThrow();
          req.end(payload.slice(10));
        }, 300);
      }, 200);
    });
    const { status, body } = await response;
    const answeredAt = Date.now();
    expect(status).toBe(201);
    const note = JSON.parse(body);
    expect(await server.exited).toEqual({ code: 0, signal: null });
    // The client keeps its connection alive, but the server closes it with the last response
    // rather than waiting out the keep-alive timeout.
    expect(Date.now() - answeredAt).toBeLessThan(1000);
    expect(JSON.parse(readFileSync(path.join(dataDir, 'notes', `${note.id}.json`), 'utf8')).title).toBe('in flight');
    expect(server.output()).toContain('"signal":"SIGTERM"');
  });

  it('exits 0 at once when idle, even with a keep-alive connection open', async () => {
    const server = await start();
    const agent = new http.Agent({ keepAlive: true });
    await new Promise((resolve) => http.get(`${server.url}/api/notes`, { agent }, (res) => res.resume().on('end', resolve)));
    const t0 = Date.now();
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });
    expect(Date.now() - t0).toBeLessThan(1500);
    agent.destroy();
  });
});

describe('durability under SIGKILL', () => {
  it('loses no acknowledged note and leaves nothing that breaks start-up, killed mid-write', async () => {
    const acknowledged = new Map<string, string>();
    for (let round = 0; round < 4; round++) {
      const server = await start();
      const writers = Array.from({ length: 8 }, async (_, w) => {
        for (let i = 0; ; i++) {
          const title = `r${round}-w${w}-${i}`;
          try {
            const res = await api(server.url, 'POST', '/api/notes', { title, body: 'b'.repeat(4096) });
            if (res.status === 201) acknowledged.set(res.body.id, title);
          } catch {
            return; // the server is gone
          }
        }
      });
      await new Promise((r) => setTimeout(r, 150 + round * 120));
      server.child.kill('SIGKILL');
      await Promise.all(writers);
      await server.exited;
    }
    expect(acknowledged.size).toBeGreaterThan(20);

    // Every acknowledged note is whole on disk, and a new server starts and lists them all.
    const server = await start();
    const listed = await api(server.url, 'GET', '/api/notes');
    const titles = new Map(listed.body.notes.map((n: { id: string; title: string }) => [n.id, n.title]));
    for (const [id, title] of acknowledged) expect(titles.get(id), id).toBe(title);
    for (const name of readdirSync(path.join(dataDir, 'notes')).filter((n) => n.endsWith('.json'))) {
      expect(() => JSON.parse(readFileSync(path.join(dataDir, 'notes', name), 'utf8'))).not.toThrow();
    }
  });

  it('starts and serves around a torn temporary file and a corrupt note file', async () => {
    const notes = path.join(dataDir, 'notes');
    const first = await start();
    const kept = (await api(first.url, 'POST', '/api/notes', { title: 'kept' })).body;
    first.child.kill('SIGKILL');
    await first.exited;

    const torn = path.join(notes, `.${kept.id}.json.0badc0ffee00.tmp`);
    writeFileSync(torn, '{"id": "trunc');
    const old = new Date(Date.now() - 120_000);
    (await import('node:fs')).utimesSync(torn, old, old);
    const corruptId = '11111111-1111-4111-8111-111111111111';
    writeFileSync(path.join(notes, `${corruptId}.json`), '{"id": "1111');

    const server = await start();
    expect((await api(server.url, 'GET', '/api/notes')).body.notes.map((n: { id: string }) => n.id)).toEqual([kept.id]);
    expect((await api(server.url, 'GET', `/api/notes/${corruptId}`)).status).toBe(500);
    expect(existsSync(torn)).toBe(false); // swept at start: older than any live write
  });
});
