import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/src/config.js';
import { buildServer, MAX_BODY_BYTES, MAX_REQUEST_BYTES, READ_SUMMARY_MS } from '../../app/src/server.js';

let dataDir: string;
let logLines: string[];
let app: ReturnType<typeof buildServer>;

function makeApp(env: Record<string, string> = {}) {
  logLines = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logLines.push(...chunk.toString().split('\n').filter(Boolean));
      done();
    },
  });
  return buildServer({ config: parseConfig({ DATA_DIR: dataDir, GREETING: 'hi there', ...env }), logStream });
}

beforeEach(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-server-'));
  app = makeApp();
});
afterEach(async () => {
  await app.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
const post = (body: unknown) => app.inject({ method: 'POST', url: '/api/notes', ...json(body) });
const noteFiles = () => readdirSync(path.join(dataDir, 'notes')).sort();

describe('the notes API', () => {
  it('creates, reads, lists, updates and deletes a note', async () => {
    const created = await post({ title: 'first', body: 'hello' });
    expect(created.statusCode).toBe(201);
    const note = created.json();
    expect(note).toMatchObject({ title: 'first', body: 'hello' });
    expect(created.headers.location).toBe(`/api/notes/${note.id}`);

    expect((await app.inject({ url: `/api/notes/${note.id}` })).json()).toEqual(note);
    expect((await app.inject({ url: '/api/notes' })).json()).toEqual({ notes: [note] });

    const updated = await app.inject({ method: 'PUT', url: `/api/notes/${note.id}`, ...json({ title: 'renamed', body: '' }) });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ id: note.id, title: 'renamed', body: '', createdAt: note.createdAt });

    expect((await app.inject({ method: 'DELETE', url: `/api/notes/${note.id}` })).statusCode).toBe(204);
    expect((await app.inject({ url: `/api/notes/${note.id}` })).statusCode).toBe(404);
    expect((await app.inject({ url: '/api/notes' })).json()).toEqual({ notes: [] });
  });

  it('keeps notes on disk, so a new server process sees them', async () => {
    const note = (await post({ title: 'kept' })).json();
    await app.close();
    app = makeApp();
    expect((await app.inject({ url: `/api/notes/${note.id}` })).json()).toEqual({ ...note, body: '' });
  });

  it('accepts a title of exactly 200 characters and a body of exactly 64 KiB', async () => {
    const res = await post({ title: 't'.repeat(200), body: 'b'.repeat(MAX_BODY_BYTES) });
    expect(res.statusCode).toBe(201);
  });
});

describe('bad input gets a 4xx with a JSON error, and nothing changes', () => {
  let existing: { id: string };
  beforeEach(async () => {
    existing = (await post({ title: 'existing', body: 'untouched' })).json();
  });

  const bodies: Array<[string, string, string | undefined, number, string]> = [
    ['malformed JSON', '{"title": "x"', 'application/json', 400, 'invalid_json'],
    ['an empty JSON body', '', 'application/json', 400, 'invalid_json'],
    ['JSON that is not an object', '[1,2]', 'application/json', 400, 'invalid_request'],
    ['a title of the wrong type', '{"title": 5}', 'application/json', 400, 'invalid_request'],
    ['a body of the wrong type', '{"title": "x", "body": {"a": 1}}', 'application/json', 400, 'invalid_request'],
    ['a missing title', '{"body": "x"}', 'application/json', 400, 'invalid_request'],
    ['an empty title', '{"title": ""}', 'application/json', 400, 'invalid_request'],
    ['a title over 200 characters', JSON.stringify({ title: 't'.repeat(201) }), 'application/json', 400, 'invalid_request'],
    ['a body over 64 KiB', JSON.stringify({ title: 'x', body: 'b'.repeat(MAX_BODY_BYTES + 1) }), 'application/json', 400, 'invalid_request'],
    ['a body over 64 KiB in UTF-8 bytes', JSON.stringify({ title: 'x', body: 'é'.repeat(MAX_BODY_BYTES / 2 + 1) }), 'application/json', 400, 'invalid_request'],
    // PostgreSQL's text cannot hold U+0000: both stores refuse it, so a note moves between them.
    ['U+0000 in the title', '{"title": "a\\u0000b"}', 'application/json', 400, 'invalid_request'],
    ['U+0000 in the body', '{"title": "x", "body": "a\\u0000b"}', 'application/json', 400, 'invalid_request'],
    ['an unknown field', '{"title": "x", "id": "mine"}', 'application/json', 400, 'invalid_request'],
    ['null', 'null', 'application/json', 400, 'invalid_request'],
    ['a request over the size limit', JSON.stringify({ title: 'x', body: 'b'.repeat(MAX_REQUEST_BYTES) }), 'application/json', 413, 'payload_too_large'],
    ['a body that is not JSON', 'title=x', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['no content type', '{"title":"x"}', undefined, 415, 'unsupported_media_type'],
  ];

  it.each(bodies)('POST and PUT with %s', async (_what, payload, contentType, status, code) => {
    const before = noteFiles();
    const headers = contentType ? { 'content-type': contentType } : {};
    for (const [method, url] of [['POST', '/api/notes'], ['PUT', `/api/notes/${existing.id}`]] as const) {
      const res = await app.inject({ method, url, headers, payload });
      expect(res.statusCode, `${method} ${res.body}`).toBe(status);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.json().error.code).toBe(code);
      expect(typeof res.json().error.message).toBe('string');
    }
    expect(noteFiles()).toEqual(before);
    expect((await app.inject({ url: `/api/notes/${existing.id}` })).json()).toMatchObject({ title: 'existing', body: 'untouched' });
  });

  const ids = ['..%2F..%2Fetc%2Fpasswd', '..%2Fnotes', '%2e%2e', 'not-an-id', existingLookalike(), 'ABCDEF00-0000-4000-8000-000000000000', `${'a'.repeat(90)}`];
  // `%2e%2e` is resolved as a dot-segment before routing (/api/notes/.. is /api), so it is an
  // unknown route (404); every other non-id reaches the route and is refused there (400).
  it.each(ids)('treats the id %s as not an id, for GET, PUT and DELETE', async (id) => {
    const before = noteFiles();
    const [status, code] = id === '%2e%2e' ? [404, 'not_found'] : [400, 'invalid_request'];
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/api/notes/${id}`, ...json({ title: 'x' }) });
      expect(res.statusCode, method).toBe(status);
      expect(res.json().error.code).toBe(code);
    }
    expect(noteFiles()).toEqual(before);
  });

  it('answers 404 for a well-formed id with no note', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await app.inject({ method, url: `/api/notes/${id}`, ...json({ title: 'x' }) });
      expect(res.statusCode, method).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
    expect(noteFiles()).toEqual([`${existing.id}.json`]);
  });

  it.each([
    ['GET', '/nope'],
    ['GET', '/api'],
    ['POST', '/api/info'],
    ['PATCH', '/api/notes'],
    ['GET', '/api/notes/a/b'],
    ['GET', `/${'x'.repeat(5000)}`],
  ])('answers %s %s (an unknown route) with a JSON 404', async (method, url) => {
    const res = await app.inject({ method: method as 'GET', url });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
    expect(res.body.length).toBeLessThan(400);
  });
});

function existingLookalike() {
  return '00000000-0000-4000-8000-00000000000'; // one character short
}

describe('health, info and logs', () => {
  it('is healthy when the data directory is writable', async () => {
    const res = await app.inject({ url: '/healthz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ status: 'ok' });
  });

  it('is not ready (503, with the reason) when the data directory cannot be written', async () => {
    const blocker = path.join(dataDir, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const broken = makeApp({ DATA_DIR: blocker });
    const health = await broken.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json().error).toMatchObject({ code: 'not_ready' });
    expect(health.json().error.message).toContain(blocker);
    const write = await broken.inject({ method: 'POST', url: '/api/notes', ...json({ title: 'x' }) });
    expect(write.statusCode).toBe(503);
    expect(write.json().error.code).toBe('not_ready');
    await broken.close();
  });

  it('shows what the process sees of itself, and of the env only GREETING', async () => {
    process.env.BERTH_TEST_SECRET = 'canary-6b1f';
    try {
      const res = await app.inject({ url: '/api/info' });
      const info = res.json();
      expect(info).toMatchObject({ pid: process.pid, uid: process.getuid!(), gid: process.getgid!(), dataDir, greeting: 'hi there' });
      expect(info.hostname).toBe(os.hostname());
      expect(['number', 'object']).toContain(typeof info.cgroup.memoryLimitBytes);
      expect(res.body).not.toContain('canary-6b1f');
    } finally {
      delete process.env.BERTH_TEST_SECRET;
    }
  });

  it('writes one JSON log line per write and per failure, without the request body', async () => {
    await post({ title: 'secret-title-7d2e', body: 'secret-body-7d2e' });
    await app.inject({ url: '/nope' });
    await app.inject({ url: '/api/notes' });
    const requests = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request');
    expect(requests.map((r) => [r.method, r.url, r.status])).toEqual([
      ['POST', '/api/notes', 201],
      ['GET', '/nope', 404],
    ]);
    expect(typeof requests[0].ms).toBe('number');
    expect(logLines.join('\n')).not.toContain('7d2e');
  });

  it('sums successful reads up in one line (each has its own line at debug), so none goes unseen', async () => {
    for (let i = 0; i < 3; i++) expect((await app.inject({ url: '/api/notes' })).statusCode).toBe(200);
    expect((await app.inject({ url: '/healthz' })).statusCode).toBe(200);
    expect(logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request')).toEqual([]);
    await app.close(); // the summary is due every READ_SUMMARY_MS, and on close
    const summary = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'reads served');
    expect(summary).toEqual([expect.objectContaining({ level: 30, reads: 3, overMs: READ_SUMMARY_MS, meanMs: expect.any(Number), maxMs: expect.any(Number) })]);

    app = makeApp({ LOG_LEVEL: 'debug' });
    await app.inject({ url: '/api/notes' });
    expect(logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request').map((r) => [r.method, r.url, r.status, r.level])).toEqual([['GET', '/api/notes', 200, 20]]);
  });
});

// GET /api/notes of an unchanged listing is answered before Fastify's pipeline (server.ts,
// servedUnchangedListing). Over real HTTP (app.inject bypasses the HTTP server, and so the fast
// path), with stores that tell which path answered: one whose listing is "unchanged" and whose
// list() fails, one whose listing never is.
describe('the listing fast path', () => {
  const notes = [
    { id: '3f0c1c9e-5a51-4c1e-9a43-0c8d5e2b7a10', title: 'one', body: 'é and "quotes"', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' },
    { id: '7d2e4b1a-9c3f-4e5d-8a6b-1f2e3d4c5b6a', title: 'two', body: '', createdAt: '2026-01-02T00:00:00.000Z', updatedAt: '2026-01-02T00:00:00.000Z' },
  ];
  const serve = async (store: object, env: Record<string, string> = {}) => {
    logLines = [];
    const logStream = new Writable({ write(chunk, _enc, done) { logLines.push(...chunk.toString().split('\n').filter(Boolean)); done(); } });
    const server = buildServer({ config: parseConfig({ DATA_DIR: dataDir, ...env }), store: store as never, logStream });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const { port } = server.server.address() as { port: number };
    return { server, base: `http://127.0.0.1:${port}` };
  };
  const failing = () => Promise.reject(new Error('list() was called: the route answered, not the fast path'));
  const unchanged = { unchangedListing: () => notes, list: failing, readiness: async () => ({ ok: true }) };
  const changed = { unchangedListing: () => undefined, list: async () => notes, readiness: async () => ({ ok: true }) };
  const answer = async (base: string, path = '/api/notes', method = 'GET') => {
    const res = await fetch(`${base}${path}`, { method });
    const { date: _date, ...headers } = Object.fromEntries(res.headers);
    return { status: res.status, headers, body: await res.text() };
  };

  it('answers with the status, headers and bytes the route sends for the same listing', async () => {
    const fast = await serve(unchanged);
    const route = await serve(changed);
    try {
      const a = await answer(fast.base);
      const b = await answer(route.base);
      expect(a.status).toBe(200);
      expect(JSON.parse(a.body)).toEqual({ notes });
      expect(a).toEqual(b);
    } finally {
      await fast.server.close();
      await route.server.close();
    }
  });

  it('counts its reads in the read summary like any other', async () => {
    const fast = await serve(unchanged);
    for (let i = 0; i < 3; i++) expect((await answer(fast.base)).status).toBe(200);
    await fast.server.close();
    const summary = logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'reads served');
    expect(summary).toEqual([expect.objectContaining({ reads: 3 })]);
  });

  it('leaves every other request to the route, which answers it as before: a query string, HEAD, a trailing slash, reads logged one by one at debug', async () => {
    const fast = await serve(unchanged);
    try {
      const plain = await answer(fast.base);
      expect(await answer(fast.base, '/api/notes?limit=1')).toEqual(plain);
      const head = await answer(fast.base, '/api/notes', 'HEAD');
      expect(head).toMatchObject({ status: 200, body: '', headers: { 'content-type': plain.headers['content-type'], 'content-length': plain.headers['content-length'] } });
      // /api/notes/ is /api/notes/:id with an empty id: the route's 400.
      expect((await answer(fast.base, '/api/notes/')).status).toBe(400);
    } finally {
      await fast.server.close();
    }
    // At debug every read has its own line, which only the route writes.
    const debug = await serve(unchanged, { LOG_LEVEL: 'debug' });
    try {
      expect((await answer(debug.base)).status).toBe(200);
    } finally {
      await debug.server.close();
    }
    expect(logLines.map((l) => JSON.parse(l)).filter((l) => l.msg === 'request').map((r) => [r.method, r.url, r.status])).toEqual([['GET', '/api/notes', 200]]);
  });
});
