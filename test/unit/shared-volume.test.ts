// Two server processes on one store, as an old and a new container share the data volume while a
// release swaps them (the file store), or as the hosts of a fleet share one database (PostgreSQL):
// neither serves a stale view of what the other wrote, and no write from either is lost.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api } from '../support/http.js';
import { type PostgresServer, startPostgres } from '../support/postgres.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

/** The env that puts both servers on one store, and what undoes it. */
const backings = {
  file: async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-shared-'));
    return { env: { DATA_DIR: dataDir }, info: { kind: 'file', dir: path.join(dataDir, 'notes') }, cleanup: async () => rmSync(dataDir, { recursive: true, force: true }) };
  },
  postgres: async () => {
    const postgres: PostgresServer = await startPostgres();
    const database = await postgres.createDatabase();
    // DATA_DIR points nowhere writable: with PGHOST set, nothing may be written there.
    return {
      env: { ...postgres.env(database), DATA_DIR: '/nonexistent/berth-notes' },
      info: { kind: 'postgres', host: postgres.host, port: postgres.port, database },
      cleanup: () => postgres.stop(),
    };
  },
};

describe.each(['file', 'postgres'] as const)('two servers on one %s store', (kind) => {
  let a: ServerProcess;
  let b: ServerProcess;
  let cleanup: (() => Promise<void>) | undefined;
  let expectedInfo: Record<string, unknown>;

  beforeAll(async () => {
    const backing = await backings[kind]();
    cleanup = backing.cleanup;
    expectedInfo = backing.info;
    [a, b] = await Promise.all([startServer(backing.env), startServer(backing.env)]);
  }, 120_000);
  afterAll(async () => {
    a?.child.kill('SIGKILL');
    b?.child.kill('SIGKILL');
    await cleanup?.();
  });

  const titles = async (server: ServerProcess) =>
    ((await api(server.url, 'GET', '/api/notes')).body.notes as { title: string }[]).map((n) => n.title).sort();

  it('both say in /api/info which store they serve from', async () => {
    for (const server of [a, b]) expect((await api(server.url, 'GET', '/api/info')).body.store).toEqual(expectedInfo);
  });

  it('each sees at once what the other created, updated and deleted', async () => {
    const { id } = (await api(a.url, 'POST', '/api/notes', { title: 'from a' })).body;
    expect((await api(b.url, 'GET', `/api/notes/${id}`)).body.title).toBe('from a');
    expect(await titles(b)).toEqual(['from a']);
    expect((await api(b.url, 'PUT', `/api/notes/${id}`, { title: 'changed by b' })).status).toBe(200);
    expect((await api(a.url, 'GET', `/api/notes/${id}`)).body.title).toBe('changed by b');
    expect(await titles(a)).toEqual(['changed by b']);
    expect((await api(b.url, 'DELETE', `/api/notes/${id}`)).status).toBe(204);
    expect((await api(a.url, 'GET', `/api/notes/${id}`)).status).toBe(404);
    expect(await titles(a)).toEqual([]);
  });

  it('a listing one server may have cached (after a quiet second) does not hide the other one change', async () => {
    const { id } = (await api(a.url, 'POST', '/api/notes', { title: 'settled' })).body;
    await new Promise((r) => setTimeout(r, 1200)); // older than the file store's settling time: A may cache
    expect(await titles(a)).toEqual(['settled']);
    expect(await titles(a)).toEqual(['settled']); // served from A's cache now, if it keeps one
    await api(b.url, 'PUT', `/api/notes/${id}`, { title: 'edited elsewhere' });
    expect(await titles(a)).toEqual(['edited elsewhere']);
    await api(b.url, 'DELETE', `/api/notes/${id}`);
  });

  it('loses no write when both create at the same time', async () => {
    const writes = Array.from({ length: 40 }, (_, i) => api(i % 2 ? a.url : b.url, 'POST', '/api/notes', { title: `n${String(i).padStart(2, '0')}` }));
    const replies = await Promise.all(writes);
    expect(replies.map((r) => r.status)).toEqual(replies.map(() => 201));
    const expected = Array.from({ length: 40 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    expect(await titles(a)).toEqual(expected);
    expect(await titles(b)).toEqual(expected);
  });
});
