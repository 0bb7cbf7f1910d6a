// The server with PGHOST set, in-process, while its database cannot be reached: it serves, is not
// ready (503 with the reason, as with an unwritable data directory), refuses writes with 503, and
// /api/info names the database but never the password. (The store against a real PostgreSQL is in
// store.test.ts; two server processes on one database in shared-volume.test.ts.)
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/src/config.js';
import { buildServer } from '../../app/src/server.js';
import { freePort } from '../../sim/net.js';

const PASSWORD = 'canary-pw-91e4';
let app: ReturnType<typeof buildServer>;
let logs: string;
let port: number;

beforeEach(async () => {
  port = await freePort(); // nothing listens there
  logs = '';
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs += chunk.toString();
      done();
    },
  });
  const config = parseConfig({ PGHOST: '127.0.0.1', PGPORT: String(port), PGDATABASE: 'notes', PGUSER: 'notes', PGPASSWORD: PASSWORD });
  app = buildServer({ config, logStream });
});
afterEach(async () => {
  await app.close();
});

describe('the server on PostgreSQL, with the database unreachable', () => {
  it('is not ready (503, with the reason)', async () => {
    const health = await app.inject({ url: '/healthz' });
    expect(health.statusCode).toBe(503);
    expect(health.json().error).toMatchObject({ code: 'not_ready', message: expect.stringContaining('ECONNREFUSED') });
    expect(health.json().error.message).toContain(`127.0.0.1:${port}`);
  });

  it('answers a write and a read with 503 not_ready, and logs no password', async () => {
    const write = await app.inject({ method: 'POST', url: '/api/notes', headers: { 'content-type': 'application/json' }, payload: '{"title":"x"}' });
    expect(write.statusCode).toBe(503);
    expect(write.json().error.code).toBe('not_ready');
    const read = await app.inject({ url: '/api/notes' });
    expect(read.statusCode).toBe(503);
    expect(logs).toContain('ECONNREFUSED');
    expect(logs).not.toContain(PASSWORD);
  });

  it('says in /api/info which database it uses, without user or password', async () => {
    const res = await app.inject({ url: '/api/info' });
    expect(res.json().store).toEqual({ kind: 'postgres', host: '127.0.0.1', port, database: 'notes' });
    expect(res.body).not.toContain(PASSWORD);
  });
});
