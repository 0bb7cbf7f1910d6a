// The guestbook example (examples/guestbook) as a process, on this machine's python3 (which every
// test machine has: cloud-init, which the tests need, is a Python program): what it accepts, what it
// refuses and why, that it keeps serving others while a keep-alive connection sits idle, and how
// it stops. The image and berth's hardening are test/e2e/example-app.test.ts.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';

const server = path.join(repoRoot, 'examples/guestbook/server.py');

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
  readonly dir: string;
  readonly exited: Promise<number | null>;
  readonly output: () => string;
}
async function startGuestbook(): Promise<Running> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-guestbook-'));
  const child = spawn('python3', [server], { env: { ...process.env, PORT: '0', DATA_DIR: dir, APP_REVISION: 'unit' } });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const port = await waitFor('the guestbook to say where it listens', async () => {
    const line = out.split('\n').find((l) => l.includes('"listening"'));
    return line ? (JSON.parse(line).port as number) : undefined;
  }, { timeoutMs: 10_000, intervalMs: 20 });
  return { child, url: `http://127.0.0.1:${port}`, dir, exited, output: () => out };
}

function stopGuestbook({ child, dir }: Running) {
  if (child.exitCode === null) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}

describe('guestbook entries', () => {
  let gb: Running;
  beforeAll(async () => {
    gb = await startGuestbook();
  });
  afterAll(() => stopGuestbook(gb));

  it('stores each valid entry as one fsync-ed JSON line and lists them oldest first', async () => {
    const first = await api(gb.url, 'POST', '/entries', { name: '  Ada ', message: 'first' });
    const second = await api(gb.url, 'POST', '/entries', { name: 'Grace', message: 'second ✓' });
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(first.body).toMatchObject({ name: 'Ada', message: 'first' }); // trimmed
    expect((await api(gb.url, 'GET', '/entries')).body.entries).toEqual([first.body, second.body]);
    const lines = readFileSync(path.join(gb.dir, 'entries.jsonl'), 'utf8').split('\n');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([first.body, second.body]);
    expect(lines.at(-1)).toBe('');
  });

  it.each([
    { what: 'an array', body: [], status: 400, message: 'body must be a JSON object with name and message; got an array' },
    { what: 'no message', body: { name: 'Ada' }, status: 400, message: 'message is required' },
    { what: 'no name', body: { message: 'hi' }, status: 400, message: 'name is required' },
    { what: 'a misspelt field', body: { name: 'Ada', mesage: 'hi' }, status: 400, message: "unknown field 'mesage'; allowed: name, message" },
    { what: 'a number for a name', body: { name: 7, message: 'hi' }, status: 400, message: 'name must be a string; got a number' },
    { what: 'a blank message', body: { name: 'Ada', message: '   ' }, status: 400, message: 'message must not be empty' },
    { what: 'a name over 80 characters', body: { name: 'x'.repeat(81), message: 'hi' }, status: 400, message: 'name must be at most 80 characters; got 81' },
    { what: 'a message over 1000 characters', body: { name: 'Ada', message: 'x'.repeat(1001) }, status: 400, message: 'message must be at most 1000 characters; got 1001' },
    { what: 'malformed JSON', body: '{"name":', status: 400, message: 'body is not valid JSON' },
    { what: 'a body over 16 KiB', body: JSON.stringify({ name: 'Ada', message: 'x'.repeat(17_000) }), status: 413, message: 'body must be at most 16384 bytes' },
  ])('refuses $what with $status and a message that names the problem, storing nothing', async ({ body, status, message }) => {
    const before = (await api(gb.url, 'GET', '/entries')).body.entries.length;
    const res = await api(gb.url, 'POST', '/entries', body);
    expect(res.status).toBe(status);
    expect(res.body.error.message).toContain(message);
    expect((await api(gb.url, 'GET', '/entries')).body.entries).toHaveLength(before);
  });

  it('refuses a body that is not JSON with 415', async () => {
    const res = await fetch(`${gb.url}/entries`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hi' });
    expect(res.status).toBe(415);
    expect((await res.json()).error.message).toBe('Content-Type must be application/json; got text/plain');
  });

  it('drops an append torn by a crash (never acknowledged) and appends after it', async () => {
    const file = path.join(gb.dir, 'entries.jsonl');
    const kept = readFileSync(file, 'utf8');
    writeFileSync(file, `${kept}{"id":"torn","name":"half`);
    expect((await api(gb.url, 'GET', '/entries')).body.entries).toHaveLength(kept.split('\n').length - 1);
    const next = await api(gb.url, 'POST', '/entries', { name: 'Ada', message: 'after the tear' });
    expect(next.status).toBe(201);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.at(-1)).toBe('');
    expect(lines.slice(0, -1).map((l) => JSON.parse(l))).toEqual([...kept.split('\n').slice(0, -1).map((l) => JSON.parse(l)), next.body]);
  });

  it('serves another client while a keep-alive connection sits idle', async () => {
    const idle = await keepAlive(gb.url);
    try {
      const t0 = performance.now();
      expect((await api(gb.url, 'GET', '/up', undefined, 2000)).status).toBe(200);
      expect(performance.now() - t0).toBeLessThan(1000);
    } finally {
      idle.destroy();
    }
  });
});

describe('guestbook shutdown', () => {
  const started: Running[] = [];
  afterEach(() => started.splice(0).forEach(stopGuestbook));
  it('on SIGTERM finishes the request in flight (then closes its connection) and exits 0', async () => {
    const gb = await startGuestbook();
    started.push(gb);
    const { hostname, port } = new URL(gb.url);
    const body = JSON.stringify({ name: 'Ada', message: 'in flight' });
    const socket = net.connect(Number(port), hostname);
    let reply = '';
    socket.on('data', (d) => (reply += d.toString()));
    const closed = new Promise((resolve) => socket.on('close', resolve));
    // Headers and half the body: the request has begun when the signal comes.
    socket.write(`POST /entries HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 10)}`);
    await new Promise((r) => setTimeout(r, 100));
    gb.child.kill('SIGTERM');
    await waitFor('the server to drain', async () => (gb.output().includes('"draining"') ? true : undefined), { intervalMs: 10 });
    expect(gb.output()).toContain('{"event": "draining", "requestsInFlight": 1}');
    socket.write(body.slice(10));
    await closed;
    expect(reply).toMatch(/^HTTP\/1\.1 201 /);
    expect(reply).toMatch(/\r\nConnection: close\r\n/);
    expect(await gb.exited).toBe(0);
    expect(JSON.parse(readFileSync(path.join(gb.dir, 'entries.jsonl'), 'utf8')).message).toBe('in flight');
  });

  it('on SIGTERM closes an idle keep-alive connection at once and exits 0 within a second', async () => {
    const gb = await startGuestbook();
    started.push(gb);
    const idle = await keepAlive(gb.url);
    const closed = new Promise((resolve) => idle.on('close', resolve));
    const t0 = performance.now();
    gb.child.kill('SIGTERM');
    expect(await gb.exited).toBe(0);
    expect(performance.now() - t0).toBeLessThan(1000);
    await closed;
    expect(gb.output()).toContain('"event": "stopped", "clean": true');
  });
});

/** A connection that has had one response and stays open, as a proxy's pooled connection does. */
function keepAlive(baseUrl: string): Promise<net.Socket> {
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
