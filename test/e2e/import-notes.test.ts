// The README's import step as written ("Moving a single host's notes into PostgreSQL", step 5): the
// app image's `node dist/import-notes.js`, run with `docker run --rm -i --network host`, the PG*
// variables and PGPASSWORD passed by name, the export on stdin, against Debian's real PostgreSQL
// listening on this machine's loopback (where the Session Manager tunnel puts RDS on a laptop),
// with TLS on and PGSSLMODE=require, as RDS and the hosts have it. The export comes from a
// file-store server; a server on the database then lists the same notes.
import { spawn } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Note } from '../../app/src/store.js';
import { check, run } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';
import { type PostgresServer, startPostgres } from '../support/postgres.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const image = inject('appImage');
const readme = readFileSync(path.join(repoRoot, 'README.md'), 'utf8');

let postgres: PostgresServer;
const servers: ServerProcess[] = [];
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-import-e2e-'));
  dirs.push(dir);
  return dir;
};

/** TLS on the throwaway cluster: a self-signed certificate (as unverifiable by the client as RDS's without its CA). */
async function enableTls(pg: PostgresServer) {
  const dataDir = (await pg.sql('postgres', 'show data_directory')).trim();
  const owner = statSync(dataDir);
  const cert = path.join(dataDir, 'test-server.crt');
  const key = path.join(dataDir, 'test-server.key');
  await check(['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=berth-test-db', '-keyout', key, '-out', cert]);
  for (const file of [cert, key]) chownSync(file, owner.uid, owner.gid);
  chmodSync(key, 0o600); // PostgreSQL refuses a key others may read
  await pg.sql('postgres', `alter system set ssl_cert_file = '${cert}'`);
  await pg.sql('postgres', `alter system set ssl_key_file = '${key}'`);
  await pg.sql('postgres', 'alter system set ssl = on');
  await pg.sql('postgres', 'select pg_reload_conf()');
}

/** Step 5's command from the README, with this run's image, port and database (and nothing else) put in. */
function readmeImportCommand(port: number, database: string): string {
  // In a list item: the block is indented, each line by the same prefix.
  const found = /\n( *)```sh\n\1(docker run --rm -i --network host \\\n[\s\S]*?node dist\/import-notes\.js < notes\.json)\n/.exec(readme);
  expect(found, "the README's import command").not.toBeNull();
  const [, indent, block] = found!;
  return block!
    .split('\n')
    .map((line) => (line.startsWith(indent!) ? line.slice(indent!.length) : line))
    .join('\n')
    .replace('"$(pulumi stack output imageRef)"', image)
    .replace('PGPORT=15432', `PGPORT=${port}`)
    .replace('PGDATABASE=notes', `PGDATABASE=${database}`);
}

function bash(script: string, cwd: string, env: Record<string, string>): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn('bash', ['-euo', 'pipefail', '-c', script], { cwd, env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  postgres = await startPostgres();
  await enableTls(postgres);
}, 120_000);

afterAll(async () => {
  for (const server of servers) {
    server.child.kill('SIGTERM');
    await server.exited;
  }
  await postgres?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("the README's import, with the app image", () => {
  it('moves a file-store export into PostgreSQL over TLS; a re-run changes nothing; the database server lists the same notes', async () => {
    const singleHost = await startServer({ DATA_DIR: tempDir(), LOG_LEVEL: 'warn' });
    servers.push(singleHost);
    for (const [title, body] of [['one', ''], ['two', 'ünïcødé 📝\n"quoted"'], ['three', 'x'.repeat(40_000)]]) {
      const res = await fetch(`${singleHost.url}/api/notes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title, body }) });
      expect(res.status).toBe(201);
    }
    const work = tempDir();
    const exported = await (await fetch(`${singleHost.url}/api/notes`)).text();
    writeFileSync(path.join(work, 'notes.json'), exported);

    const database = await postgres.createDatabase();
    const command = readmeImportCommand(postgres.port, database);
    expect(command).toContain('-e PGSSLMODE=require');
    expect(command).toMatch(/-e PGPASSWORD( |\n|$)/); // by name: the value never on the command line
    const env = { PGPASSWORD: postgres.password };

    const first = await bash(command, work, env);
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^import-notes: imported 3, unchanged 0, replaced 0 into database \S+ on 127\.0\.0\.1:\d+\n$/);

    const again = await bash(command, work, env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/imported 0, unchanged 3, replaced 0 .*nothing to do/);
    expect(first.stdout + first.stderr + again.stdout + again.stderr).not.toContain(postgres.password);

    const fleetHost = await startServer({ ...postgres.env(database), DATA_DIR: tempDir(), LOG_LEVEL: 'warn' });
    servers.push(fleetHost);
    expect(await (await fetch(`${fleetHost.url}/api/notes`)).text()).toBe(exported);
  });

  // With the test above, this shows the import ran over TLS: the same command fails without it.
  it('refuses PGSSLMODE=require against a server without TLS, rather than sending the password in the clear', async () => {
    // The same cluster with TLS turned back off for this one check.
    await postgres.sql('postgres', 'alter system set ssl = off');
    await postgres.sql('postgres', 'select pg_reload_conf()');
    try {
      const work = tempDir();
      writeFileSync(path.join(work, 'notes.json'), '{"notes":[]}');
      const run = await bash(readmeImportCommand(postgres.port, 'postgres'), work, { PGPASSWORD: postgres.password });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^import-notes: nothing written: the store is not ready: .*SSL/);
    } finally {
      await postgres.sql('postgres', 'alter system set ssl = on');
      await postgres.sql('postgres', 'select pg_reload_conf()');
    }
  });
});

describe('the import into the file store, on a disk that fills up half-way', () => {
  it('undoes what it wrote: the new notes gone, the replaced note as it was, and says so', async () => {
    const kept: Note = { id: 'c0ffee00-0000-4000-8000-00000000000a', title: 'kept', body: 'as it was', createdAt: '2025-01-01T00:00:00.000Z', updatedAt: '2025-01-02T00:00:00.000Z' };
    const big = Array.from({ length: 12 }, (_, i): Note => ({
      id: `b1900000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: `big ${i}`,
      body: 'x'.repeat(60_000),
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    const work = tempDir();
    chmodSync(work, 0o755); // read by the image's unprivileged user
    writeFileSync(path.join(work, 'first.json'), JSON.stringify({ notes: [kept] }));
    // 12 × 60 KB into a 256 KiB tmpfs: the replacement lands, then the new notes run out of room.
    writeFileSync(path.join(work, 'second.json'), JSON.stringify({ notes: [{ ...kept, title: 'replaced' }, ...big] }));
    const script = [
      'node dist/import-notes.js < /in/first.json',
      'node dist/import-notes.js --replace < /in/second.json; echo "exit=$?"',
      'ls -A /data/notes',
      `cat /data/notes/${kept.id}.json`,
    ].join('; ');
    const result = await run(['docker', 'run', '--rm', '--tmpfs', '/data:size=256k,uid=1000,gid=1000', '-v', `${work}:/in:ro`, image, 'sh', '-c', script]);
    expect(result.code, result.stderr).toBe(0);
    const [firstLine, exitLine, ...rest] = result.stdout.trim().split('\n');
    expect(firstLine).toMatch(/^import-notes: imported 1, unchanged 0, replaced 0 into \/data\/notes$/);
    expect(result.stderr).toMatch(/^import-notes: failed: no space left in \/data\/notes \(a re-run is safe/);
    expect(exitLine).toBe('exit=1');
    expect(rest).toEqual([`${kept.id}.json`, JSON.stringify(kept)]);
  });
});
