// The load generator's record of acknowledged writes (sim/timeline.ts): the fleet test checks each
// id against PostgreSQL, so an id must be kept exactly when the server answered 201 with the note.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { acknowledgedId, runTimeline } from '../../sim/timeline.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A server whose answer to the nth write is `write(n)`; reads get 200. */
async function serve(write: (n: number) => { status: number; body: string }): Promise<string> {
  let writes = 0;
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const answer = req.method === 'POST' ? write(++writes) : { status: 200, body: '{}' };
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('the load generator', () => {
  it('keeps the id of every write answered 201 with a note, and only those', async () => {
    const url = await serve((n) => (n % 3 === 0 ? { status: 503, body: '{"error":"unavailable"}' } : { status: 201, body: JSON.stringify({ id: `note-${n}`, title: 't' }) }));
    const t = await runTimeline({ url, seconds: 0.5, connections: 2, writeEvery: 2 });
    const writes = t.acknowledgedWrites.length + t.failed;
    expect(writes).toBeGreaterThan(3);
    expect(t.failed).toBeGreaterThan(0);
    expect(t.acknowledgedWrites.every((id) => /^note-\d+$/.test(id) && Number(id.slice(5)) % 3 !== 0)).toBe(true);
    expect(new Set(t.acknowledgedWrites).size).toBe(t.acknowledgedWrites.length);
  });

  it('counts a 201 without a note id as a failure, not an acknowledged write', async () => {
    const url = await serve(() => ({ status: 201, body: 'created' }));
    const t = await runTimeline({ url, seconds: 0.3, connections: 1, writeEvery: 2 });
    expect(t.acknowledgedWrites).toEqual([]);
    expect(t.events.filter((e) => !e.ok).every((e) => e.why === 'no id in 201')).toBe(true);
    expect(t.failed).toBeGreaterThan(0);
  });

  it('reads the id from a note, and nothing from a body that is not one', () => {
    expect(acknowledgedId('{"id":"3f0c","title":"x"}')).toBe('3f0c');
    for (const body of ['', 'created', '{"id":""}', '{"id":7}', '[]', 'null']) expect(acknowledgedId(body), body).toBeUndefined();
  });
});
