// The import tool (app/src/import-notes.ts) end to end, against the real things: a single host's
// server on the file store (a process) takes notes, its GET /api/notes is the export, the tool runs
// as a process with the PG* env against Debian's real PostgreSQL, and a server on PostgreSQL then
// lists exactly those notes. A re-run, a conflict and each bad input are checked against the
// database itself: rows, and each row's xmin (the transaction that last wrote it), unchanged.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportFormatError, parseExport } from '../../app/src/note-export.js';
import { MIGRATIONS } from '../../app/src/pg-store.js';
import { InvalidNoteError, type Note } from '../../app/src/store.js';
import { freePort } from '../../sim/net.js';
import { type PostgresServer, startPostgres } from '../support/postgres.js';
import { type ServerProcess, startServer } from '../support/server-process.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tool = path.join(repoRoot, 'app/src/import-notes.ts');

let postgres: PostgresServer;
let singleHost: ServerProcess;
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-import-'));
  dirs.push(dir);
  return dir;
};
const servers: ServerProcess[] = [];

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the tool as the image does (`node dist/import-notes.js`, here through tsx) with the input on stdin. */
function runImport(env: Record<string, string>, input: string, args: readonly string[] = []): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', tool, ...args], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  child.stdin.end(input);
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      // Whatever happens, the password is never printed.
      expect(stdout + stderr).not.toContain(postgres.password);
      resolve({ code, stdout, stderr });
    });
  });
}

async function api(url: string, method: string, body?: unknown): Promise<Note> {
  const res = await fetch(url, {
    method,
    ...(body ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) } : {}),
  });
  expect(res.ok, `${method} ${url}: ${res.status}`).toBe(true);
  return (await res.json()) as Note;
}

const exportFrom = async (server: ServerProcess) => {
  const res = await fetch(`${server.url}/api/notes`);
  expect(res.status).toBe(200);
  return res.text();
};

/** Every row, and the transaction that last wrote it: equal before and after means nothing was written. */
const snapshot = (database: string) =>
  postgres.sql(database, 'select id, title, md5(body), created_at, updated_at, xmin from notes order by id');

async function startOn(env: Record<string, string>): Promise<ServerProcess> {
  const server = await startServer({ DATA_DIR: tempDir(), LOG_LEVEL: 'warn', ...env });
  servers.push(server);
  return server;
}

async function stop(server: ServerProcess) {
  server.child.kill('SIGTERM');
  await server.exited;
}

beforeAll(async () => {
  postgres = await startPostgres();
  singleHost = await startOn({ DATA_DIR: tempDir() });
  const base = `${singleHost.url}/api/notes`;
  await api(base, 'POST', { title: 'first', body: '' });
  const edited = await api(base, 'POST', { title: 'to be edited', body: 'v1' });
  await api(`${base}/${edited.id}`, 'PUT', { title: 'edited', body: 'v2: ünïcødé 📝 "quoted" \\ back\nline' });
  const gone = await api(base, 'POST', { title: 'deleted before the move', body: '' });
  await fetch(`${base}/${gone.id}`, { method: 'DELETE' });
  await api(base, 'POST', { title: 'big', body: 'é'.repeat(32 * 1024) });
  await api(base, 'POST', { title: 'last', body: 'tail' });
}, 120_000);

afterAll(async () => {
  await Promise.all(servers.map((s) => stop(s).catch(() => undefined)));
  await postgres?.stop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe("moving a single host's notes into PostgreSQL", () => {
  let database: string;
  let pgEnv: Record<string, string>;
  let exported: string;
  let notes: Note[];

  beforeAll(async () => {
    database = await postgres.createDatabase();
    pgEnv = postgres.env(database);
    exported = await exportFrom(singleHost);
    notes = (JSON.parse(exported) as { notes: Note[] }).notes;
    expect(notes.map((n) => n.title)).toEqual(['first', 'edited', 'big', 'last']);
  });

  it("imports the export (migrating first), and a server on PostgreSQL lists exactly the single host's notes", async () => {
    const run = await runImport(pgEnv, exported);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^import-notes: imported 4, unchanged 0, replaced 0 into database \S+ on 127\.0\.0\.1:\d+\n$/);
    expect((await postgres.sql(database, 'select id from berth_migrations order by id')).trim().split('\n')).toEqual(MIGRATIONS.map((m) => m.id));

    const fleetHost = await startOn(pgEnv);
    expect(await exportFrom(fleetHost)).toBe(exported);
    const edited = notes[1]!;
    expect(edited.updatedAt).not.toBe(edited.createdAt);
    expect(await api(`${fleetHost.url}/api/notes/${edited.id}`, 'GET')).toEqual(edited);
    await stop(fleetHost);
  });

  it('a re-run changes nothing and says so', async () => {
    const before = await snapshot(database);
    const run = await runImport(pgEnv, exported);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/imported 0, unchanged 4, replaced 0 .*nothing to do/);
    expect(await snapshot(database)).toBe(before);
  });

  it.each([
    ['input that is not JSON (a cut-off download)', () => exported.slice(0, -10), /the input is not JSON/],
    ['JSON that is not a list of notes', () => JSON.stringify({ notes: { [notes[0]!.id]: notes[0] } }), /the input's "notes" is an object, not an array/],
    ['JSON that is not an export at all', () => '"notes"', /the input is a string; expected the body of GET \/api\/notes/],
    ['a note missing a field', () => withBad(({ updatedAt: _, ...rest }) => rest), /note 1 \(id [0-9a-f-]{36}\): updatedAt: missing/],
    ['an id the store would not produce', () => withBad((n) => ({ ...n, id: 'note-1' })), /note 1: id: must be a note id/],
    ['an upper-case id', () => withBad((n) => ({ ...n, id: n.id.toUpperCase() })), /note 1: id: must be a note id/],
    ['a date that is no date', () => withBad((n) => ({ ...n, createdAt: '2026-13-01T00:00:00.000Z' })), /note 1 \(id [0-9a-f-]{36}\): createdAt: must be a UTC time/],
    ['a title that is not a string', () => withBad((n) => ({ ...n, title: null })), /note 1 \(id [0-9a-f-]{36}\): title: must be a string; got null/],
    ['the same id twice', () => JSON.stringify({ notes: [...notes, notes[0]] }), /note 4 \(id [0-9a-f-]{36}\): id: the same id as note 0/],
  ])('refuses %s with one line naming it, and writes nothing', async (_what, input, message) => {
    const before = await snapshot(database);
    const run = await runImport(pgEnv, input());
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^import-notes: refused, nothing written: .*\n$/);
    expect(run.stderr).toMatch(message);
    expect(await snapshot(database)).toBe(before);
  });

  it("refuses a note the database holds with other content, by id, writing nothing; --replace lets the export's win", async () => {
    // After the first import the single host took more writes: an edit and a new note.
    const changed = await api(`${singleHost.url}/api/notes/${notes[0]!.id}`, 'PUT', { title: 'first, edited later', body: 'x' });
    const added = await api(`${singleHost.url}/api/notes`, 'POST', { title: 'added later', body: '' });
    const again = await exportFrom(singleHost);
    const before = await snapshot(database);

    const refused = await runImport(pgEnv, again);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^import-notes: refused, nothing written: 1 note is already stored with other content: (\S+); rerun with --replace/);
    expect(refused.stderr).toContain(changed.id);
    expect(refused.stderr).not.toContain(added.id);
    expect(await snapshot(database)).toBe(before);

    const replaced = await runImport(pgEnv, again, ['--replace']);
    expect(replaced.code).toBe(0);
    expect(replaced.stdout).toMatch(/imported 1, unchanged 3, replaced 1 /);
    const fleetHost = await startOn(pgEnv);
    expect(await exportFrom(fleetHost)).toBe(again);
    await stop(fleetHost);
  });

  /** The export with one more note: a valid new one first (so "nothing written" means something), then the bad one. */
  function withBad(change: (note: Note) => unknown): string {
    const fresh: Note = { ...notes[0]!, id: '0b0b0b0b-0000-4000-8000-000000000000', title: 'would be new' };
    return JSON.stringify({ notes: [fresh, change({ ...notes[0]!, id: '0c0c0c0c-0000-4000-8000-000000000000' })] });
  }
});

describe('the import tool, beside the move', () => {
  it("imports into the file store when PGHOST is unset (DATA_DIR), as the server's own choice of store", async () => {
    const exported = await exportFrom(singleHost);
    const dataDir = tempDir();
    const run = await runImport({ DATA_DIR: dataDir }, exported);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`into ${dataDir}/notes`);
    const copy = await startOn({ DATA_DIR: dataDir });
    expect(await exportFrom(copy)).toBe(exported);
    await stop(copy);
  });

  it('refuses a bad PG* configuration as the server does (exit 2, naming the variable)', async () => {
    const { PGUSER: _, ...env } = postgres.env('postgres');
    const run = await runImport(env, '[]');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^import-notes: invalid configuration: PGUSER: must be set when PGHOST is/);
  });

  it('refuses an unknown argument with its usage (exit 2), before reading any input', async () => {
    const run = await runImport({ DATA_DIR: tempDir() }, '[]', ['--force']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/unknown argument "--force"; usage: .*--replace/);
  });

  it('says why, without hanging, when the database cannot be reached', async () => {
    const started = Date.now();
    const run = await runImport({ ...postgres.env('postgres'), PGPORT: String(await freePort()) }, '[]');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^import-notes: nothing written: the store is not ready: .*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });
});

describe('what the tool reads as an export', () => {
  const note: Note = { id: 'c0ffee00-0000-4000-8000-000000000001', title: 't', body: 'b', createdAt: '2026-01-01T00:00:00.000Z', updatedAt: '2026-01-01T00:00:00.000Z' };

  it("takes GET /api/notes's body, and the bare array of its notes (what `jq .notes` makes of it)", () => {
    expect(parseExport(JSON.stringify({ notes: [note] }))).toEqual([note]);
    expect(parseExport(JSON.stringify([note]))).toEqual([note]);
    expect(parseExport('{"notes":[]}')).toEqual([]);
  });

  it.each([
    ['an empty input', '', /not JSON/],
    ['null', 'null', /the input is null/],
    ['another key beside notes', JSON.stringify({ notes: [note], next: 'x' }), /the input has keys besides "notes": \["next"\]/],
    ['an object without notes', JSON.stringify({ items: [note] }), /the input has no "notes" \(its keys: \["items"\]\)/],
  ])('refuses %s, naming what it got', (_what, text, message) => {
    expect(() => parseExport(text)).toThrow(ExportFormatError);
    expect(() => parseExport(text)).toThrow(message);
  });

  it('names the note and field of the first bad note', () => {
    const bad = JSON.stringify({ notes: [note, { ...note, id: 'c0ffee00-0000-4000-8000-000000000002', body: 3 }] });
    expect(() => parseExport(bad)).toThrow(InvalidNoteError);
    expect(() => parseExport(bad)).toThrow('note 1 (id c0ffee00-0000-4000-8000-000000000002): body: must be a string; got number 3');
  });
});
