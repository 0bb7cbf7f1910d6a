// The notes API's throughput on each store, side by side: the file store and PostgreSQL (a
// throwaway cluster of Debian's postgresql on this machine, test/support/postgres.ts). Both servers
// run as plain processes (app/src/main.ts through tsx), not in a container: the container's numbers
// are the rps_* above; these compare the stores under the same conditions, nothing else. The
// PostgreSQL cluster runs with fsync off (the test helper's setting), so its POST number is an upper
// bound; the file store fsyncs every write.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { api } from '../test/support/http.js';
import { startPostgres } from '../test/support/postgres.js';
import { startServer } from '../test/support/server-process.js';

type Record = (key: string, value: number, note: string) => void;
/** wrk against a URL, optionally with a Lua script; requests per second. */
type Wrk = (url: string, script?: string) => number;

export async function benchStores(record: Record, wrk: Wrk, postScript: string): Promise<void> {
  const postgres = await startPostgres();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-stores-'));
  try {
    const stores = [
      ['file', { DATA_DIR: dataDir }],
      ['postgres', postgres.env(await postgres.createDatabase())],
    ] as const;
    for (const [kind, env] of stores) {
      const server = await startServer({ ...env, LOG_LEVEL: 'info' });
      try {
        for (let i = 0; i < 20; i++) await api(server.url, 'POST', '/api/notes', { title: `note ${i}`, body: 'x'.repeat(200) });
        const get = wrk(`${server.url}/api/notes`);
        const post = wrk(`${server.url}/api/notes`, postScript);
        record(`rps_get_notes_${kind}_process`, Math.round(get), `GET /api/notes, 20 notes, ${kind} store, the server as a plain process`);
        record(`rps_post_notes_${kind}_process`, Math.round(post), `POST /api/notes, ${kind} store, the server as a plain process`);
      } finally {
        server.child.kill('SIGKILL');
        await server.exited;
      }
    }
  } finally {
    await postgres.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
