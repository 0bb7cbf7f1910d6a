import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../app/src/config.js';
import { type Migration, MIGRATIONS, PgStore, sslOptions, unavailableCode } from '../../app/src/pg-store.js';
import {
  ImportConflictError,
  InvalidNoteError,
  type Note,
  NOTE_ID_PATTERN,
  NoteNotFoundError,
  NoteStore,
  StorageUnavailableError,
  type Store,
} from '../../app/src/store.js';
import { freePort } from '../../sim/net.js';
import { type PostgresServer, startPostgres } from '../support/postgres.js';

// One real PostgreSQL server for this file (Debian's package, a throwaway cluster); each test that
// needs one gets a fresh database on it.
let postgres: PostgresServer;
beforeAll(async () => {
  postgres = await startPostgres();
}, 120_000);
afterAll(async () => postgres?.stop());

const opened: Store[] = [];
const track = <S extends Store>(store: S): S => (opened.push(store), store);
afterEach(async () => {
  await Promise.all(opened.splice(0).map((s) => s.close()));
});

const pgStore = (env: Record<string, string>, options?: ConstructorParameters<typeof PgStore>[1]) =>
  track(new PgStore(parseConfig(env).database!, options));

/** Where a store keeps its notes, fresh per test: a data directory, or a database. */
interface Backing {
  open(): Store;
  cleanup(): void;
}
const backings = {
  file: async (): Promise<Backing> => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-store-'));
    return { open: () => track(new NoteStore(dir)), cleanup: () => rmSync(dir, { recursive: true, force: true }) };
  },
  postgres: async (): Promise<Backing> => {
    const env = postgres.env(await postgres.createDatabase());
    return { open: () => pgStore(env), cleanup: () => undefined };
  },
};

const at = (iso: string) => new Date(iso);

async function expectUnavailable(promise: Promise<unknown>, code: string) {
  const err = await promise.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(StorageUnavailableError);
  expect((err as StorageUnavailableError).code).toBe(code);
}

describe.each(['file', 'postgres'] as const)('the store contract, %s store', (kind) => {
  let backing: Backing;
  let store: Store;
  beforeEach(async () => {
    backing = await backings[kind]();
    store = backing.open();
  });
  afterEach(() => backing.cleanup());

  it('says which store it is', () => {
    expect(store.info.kind).toBe(kind);
  });

  it('is ready, and its startup step is safe to repeat (the second finds nothing to do)', async () => {
    expect(await store.prepare()).toMatchObject({ ok: true });
    expect(await store.prepare()).toEqual({ ok: true });
    expect(await store.readiness()).toEqual({ ok: true });
  });

  it('creates a note and gives it back, alone and in the listing, exactly as created', async () => {
    const notes = [
      await store.create({ title: 'first', body: '' }),
      await store.create({ title: 'ünïcødé 📝 "quoted" \\ back', body: 'line\nbreak\ttab' }),
      await store.create({ title: 'big', body: 'é'.repeat(32 * 1024) }),
    ];
    for (const note of notes) {
      expect(note.id).toMatch(new RegExp(NOTE_ID_PATTERN));
      expect(note.createdAt).toBe(note.updatedAt);
      expect(new Date(note.createdAt).toISOString()).toBe(note.createdAt);
      expect(await store.get(note.id)).toEqual(note);
    }
    expect((await store.list()).map((n) => n.id).sort()).toEqual(notes.map((n) => n.id).sort());
    expect(await store.list()).toEqual(expect.arrayContaining(notes));
  });

  it('updates title and body, keeps id and createdAt, and moves updatedAt', async () => {
    const note = await store.create({ title: 't', body: 'b' }, at('2026-01-01T00:00:00.000Z'));
    const updated = await store.update(note.id, { title: 't2', body: 'b2' }, at('2026-01-02T03:04:05.678Z'));
    expect(updated).toEqual({ id: note.id, title: 't2', body: 'b2', createdAt: note.createdAt, updatedAt: '2026-01-02T03:04:05.678Z' });
    expect(await store.get(note.id)).toEqual(updated);
    expect(await store.list()).toEqual([updated]);
  });

  it('deletes a note: gone from get and from the listing', async () => {
    const kept = await store.create({ title: 'kept', body: '' });
    const gone = await store.create({ title: 'gone', body: '' });
    await store.delete(gone.id);
    await expect(store.get(gone.id)).rejects.toBeInstanceOf(NoteNotFoundError);
    expect(await store.list()).toEqual([kept]);
  });

  it('lists oldest first, and notes created at the same instant by id', async () => {
    const later = await store.create({ title: 'later', body: '' }, at('2026-03-01T00:00:00.000Z'));
    const same = [
      await store.create({ title: 'same a', body: '' }, at('2026-02-01T00:00:00.000Z')),
      await store.create({ title: 'same b', body: '' }, at('2026-02-01T00:00:00.000Z')),
      await store.create({ title: 'same c', body: '' }, at('2026-02-01T00:00:00.000Z')),
    ].sort((a, b) => a.id.localeCompare(b.id));
    const earliest = await store.create({ title: 'earliest', body: '' }, at('2025-12-31T23:59:59.999Z'));
    expect((await store.list()).map((n) => n.id)).toEqual([earliest, ...same, later].map((n) => n.id));
  });

  it('answers NoteNotFoundError for an unknown or malformed id, for get, update and delete, and changes nothing', async () => {
    const existing = await store.create({ title: 'existing', body: 'untouched' });
    const ids = ['00000000-0000-4000-8000-000000000000', existing.id.toUpperCase(), 'not-an-id', `../${existing.id}`, ''];
    for (const id of ids) {
      await expect(store.get(id), `get ${id}`).rejects.toBeInstanceOf(NoteNotFoundError);
      await expect(store.update(id, { title: 'x', body: 'x' }), `update ${id}`).rejects.toBeInstanceOf(NoteNotFoundError);
      await expect(store.delete(id), `delete ${id}`).rejects.toBeInstanceOf(NoteNotFoundError);
    }
    expect(await store.list()).toEqual([existing]);
  });

  it("two stores on one backing (two processes during a release) each see the other's writes and deletes at once", async () => {
    const a = store;
    const b = backing.open();
    const first = await a.create({ title: 'from a', body: '' });
    expect((await b.list()).map((n) => n.id)).toEqual([first.id]);
    const second = await b.create({ title: 'from b', body: '' });
    expect((await a.list()).map((n) => n.title)).toEqual(['from a', 'from b']);
    await b.update(first.id, { title: 'a, edited by b', body: 'x' });
    expect((await a.get(first.id)).title).toBe('a, edited by b');
    expect((await a.list())[0]!.title).toBe('a, edited by b');
    await a.delete(second.id);
    expect((await b.list()).map((n) => n.id)).toEqual([first.id]);
    await expect(b.get(second.id)).rejects.toBeInstanceOf(NoteNotFoundError);
  });

  it('loses no write when two stores create at the same time', async () => {
    const b = backing.open();
    const titles = Array.from({ length: 30 }, (_, i) => `n${String(i).padStart(2, '0')}`);
    await Promise.all(titles.map((title, i) => (i % 2 ? store : b).create({ title, body: '' })));
    expect((await store.list()).map((n) => n.title).sort()).toEqual(titles);
    expect((await b.list()).map((n) => n.title).sort()).toEqual(titles);
  });

  describe('importing notes (a single host moving into a database)', () => {
    // Notes as another store made them: ids and times of their own, an edited one, one created
    // before another with a later id, a body with what needs escaping.
    const exported: Note[] = [
      { id: 'c0ffee00-0000-4000-8000-000000000001', title: 'old', body: 'first\nline "q" \\ é 📝', createdAt: '2024-05-06T07:08:09.010Z', updatedAt: '2025-01-01T00:00:00.001Z' },
      { id: '0a000000-0000-4000-8000-000000000002', title: 'same instant, lower id', body: '', createdAt: '2024-05-06T07:08:09.010Z', updatedAt: '2024-05-06T07:08:09.010Z' },
      { id: 'ffffffff-0000-4000-8000-000000000003', title: 'newer', body: 'x'.repeat(64 * 1024), createdAt: '2026-02-03T04:05:06.007Z', updatedAt: '2026-02-03T04:05:06.007Z' },
    ];
    const byListingOrder = (notes: readonly Note[]) =>
      [...notes].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));

    it('keeps ids, times, titles and bodies exactly, in the listing order, and the notes serve as any other', async () => {
      expect(await store.importNotes(exported)).toEqual({ imported: 3, unchanged: 0, replaced: 0 });
      expect(await store.list()).toEqual(byListingOrder(exported));
      for (const note of exported) expect(await store.get(note.id)).toEqual(note);
      const edited = await store.update(exported[0]!.id, { title: 'edited', body: '' }, at('2026-06-01T00:00:00.000Z'));
      expect(edited).toMatchObject({ createdAt: exported[0]!.createdAt, updatedAt: '2026-06-01T00:00:00.000Z' });
      await store.delete(exported[1]!.id);
      expect((await store.list()).map((n) => n.id)).toEqual([exported[0]!.id, exported[2]!.id]);
    });

    it('is idempotent: a second import of the same notes counts them unchanged and writes nothing', async () => {
      await store.importNotes(exported);
      const before = await store.list();
      expect(await store.importNotes(exported)).toEqual({ imported: 0, unchanged: 3, replaced: 0 });
      expect(await store.list()).toEqual(before);
    });

    it('adds only what is new beside notes already there, made here or imported', async () => {
      const local = await store.create({ title: 'made here', body: '' }, at('2026-12-01T00:00:00.000Z'));
      await store.importNotes(exported.slice(0, 1));
      expect(await store.importNotes(exported)).toEqual({ imported: 2, unchanged: 1, replaced: 0 });
      expect(await store.list()).toEqual(byListingOrder([...exported, local]));
    });

    it('refuses a note stored with other content, naming each such id, and writes nothing (not even the new ones)', async () => {
      await store.importNotes(exported.slice(0, 2));
      const changedTitle = { ...exported[0]!, title: 'changed' };
      const changedTime = { ...exported[1]!, updatedAt: '2026-01-01T00:00:00.000Z' };
      const before = await store.list();
      const err = await store.importNotes([changedTitle, changedTime, exported[2]!]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ImportConflictError);
      expect((err as ImportConflictError).ids).toEqual([changedTitle.id, changedTime.id]);
      expect(await store.list()).toEqual(before);
      await expect(store.get(exported[2]!.id)).rejects.toBeInstanceOf(NoteNotFoundError);
    });

    it('with replace, lets the imported version win a conflict and says how many it replaced', async () => {
      await store.importNotes(exported);
      const changed = { ...exported[0]!, title: 'changed', body: 'new body', updatedAt: '2026-07-07T07:07:07.777Z' };
      expect(await store.importNotes([changed, exported[1]!], { replace: true })).toEqual({ imported: 0, unchanged: 1, replaced: 1 });
      expect(await store.get(changed.id)).toEqual(changed);
    });

    it.each([
      ['an id the store would not make', { id: exported[2]!.id.toUpperCase() }, 'id'],
      ['a path for an id', { id: `../${exported[2]!.id}` }, 'id'],
      ['a day that is not in the month', { createdAt: '2026-02-30T00:00:00.000Z' }, 'createdAt'],
      ['a month that is no month', { updatedAt: '2026-13-01T00:00:00.000Z' }, 'updatedAt'],
      ['a time not as the store writes it', { updatedAt: '2026-02-03 04:05:06' }, 'updatedAt'],
      ['a missing body', { body: undefined }, 'body'],
      ['a title that is not a string', { title: 7 }, 'title'],
      ['a field a note does not have', { tags: ['a'] }, 'tags'],
      ['a body with U+0000 (PostgreSQL text cannot hold it)', { body: 'a\u0000b' }, 'body'],
    ])('refuses %s with InvalidNoteError naming note and field, and writes nothing', async (_what, change, field) => {
      const bad = Object.fromEntries(Object.entries({ ...exported[2]!, ...change }).filter(([, v]) => v !== undefined));
      const err = await store.importNotes([exported[0]!, bad]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidNoteError);
      expect(err).toMatchObject({ index: 1, field });
      expect(await store.list()).toEqual([]);
    });

    it('refuses the same id twice in one import, naming both notes', async () => {
      const err = await store.importNotes([exported[0]!, exported[1]!, { ...exported[0]!, title: 'again' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InvalidNoteError);
      expect(err).toMatchObject({ index: 2, id: exported[0]!.id, field: 'id', message: expect.stringContaining('note 0') });
      expect(await store.list()).toEqual([]);
    });
  });
});

describe('the file store', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'berth-store-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  /** Makes the notes directory look untouched for a minute, as after a quiet spell. */
  function settle(store: NoteStore) {
    const past = new Date(Date.now() - 60_000);
    utimesSync(store.dir, past, past);
  }

  it('reuses a listing only while the directory is settled and unchanged', async () => {
    const a = new NoteStore(dataDir);
    const b = new NoteStore(dataDir);
    await a.create({ title: 'one', body: '' });
    settle(a);
    const listed = await a.list();
    expect(await a.list()).toBe(listed); // the same array: read from memory, not disk
    expect(a.unchangedListing()).toBe(listed);

    await b.create({ title: 'two', body: '' }); // another process changes the directory
    expect(a.unchangedListing()).toBeUndefined();
    const relisted = await a.list();
    expect(relisted).not.toBe(listed);
    expect(relisted.map((n) => n.title)).toEqual(['one', 'two']);
    // Changed within the last second: not cached, read again every time.
    expect(await a.list()).not.toBe(relisted);
  });

  it('writes leave only the note file behind (the temporary file is renamed over it)', async () => {
    const store = new NoteStore(dataDir);
    const note = await store.create({ title: 't', body: 'b' });
    await store.update(note.id, { title: 't2', body: 'b2' });
    expect(readdirSync(store.dir)).toEqual([`${note.id}.json`]);
  });

  it('sweeps at start only temporary files older than a minute (a young one may be a live write)', async () => {
    const store = new NoteStore(dataDir);
    await store.readiness();
    const { writeFileSync } = await import('node:fs');
    const young = path.join(store.dir, '.a.json.1.tmp');
    const old = path.join(store.dir, '.b.json.2.tmp');
    writeFileSync(young, '{');
    writeFileSync(old, '{');
    const past = new Date(Date.now() - 120_000);
    utimesSync(old, past, past);
    expect(await store.prepare()).toEqual({ ok: true, did: expect.stringContaining('temporary files'), fields: { swept: 1 } });
    expect(readdirSync(store.dir)).toEqual(['.a.json.1.tmp']);
  });

  it('is not ready, with the reason, when the data directory cannot be made', async () => {
    const { writeFileSync } = await import('node:fs');
    writeFileSync(path.join(dataDir, 'blocker'), 'a file, not a directory');
    const store = new NoteStore(path.join(dataDir, 'blocker'));
    expect(await store.prepare()).toEqual({ ok: false, reason: expect.stringContaining('blocker') });
    await expect(store.create({ title: 'x', body: '' })).rejects.toBeInstanceOf(StorageUnavailableError);
  });
});

describe('the PostgreSQL store', () => {
  const v2: Migration = { id: '0002-test-tags', sql: 'alter table notes add column tags text[] not null default array[]::text[]' };

  it('applies each migration once when several processes start at the same moment (a release: old and new)', async () => {
    const env = postgres.env(await postgres.createDatabase());
    const results = await Promise.all(Array.from({ length: 4 }, () => pgStore(env).prepare()));
    expect(results.every((r) => r.ok)).toBe(true);
    const applied = results.flatMap((r) => (r.ok && r.fields ? (r.fields.applied as string[]) : []));
    expect(applied).toEqual(MIGRATIONS.map((m) => m.id));
    expect((await postgres.sql(env.PGDATABASE!, 'select id from berth_migrations order by id')).trim().split('\n')).toEqual(
      MIGRATIONS.map((m) => m.id),
    );
  });

  it("applies a newer release's migration on top, and the older release keeps serving beside it", async () => {
    const env = postgres.env(await postgres.createDatabase());
    const old = pgStore(env);
    const note = await old.create({ title: 'before', body: '' });
    expect(await pgStore(env, { migrations: [...MIGRATIONS, v2] }).prepare()).toEqual({ ok: true, did: 'applied database migrations', fields: { applied: [v2.id] } });
    expect(await pgStore(env).prepare()).toEqual({ ok: true }); // an old release meets a migration it does not know
    expect(await old.get(note.id)).toEqual(note);
    expect((await old.create({ title: 'after', body: '' })).title).toBe('after');
  });

  it('applies all of a start\'s migrations or none (one transaction)', async () => {
    const env = postgres.env(await postgres.createDatabase());
    const broken: Migration = { id: '0002-broken', sql: 'alter table no_such_table add column x int' };
    const prepared = await pgStore(env, { migrations: [...MIGRATIONS, broken] }).prepare();
    expect(prepared).toEqual({ ok: false, reason: expect.stringContaining('no_such_table') });
    expect(await postgres.sql(env.PGDATABASE!, "select to_regclass('notes') is null, to_regclass('berth_migrations') is null")).toBe('t|t\n');
  });

  it('imports all or nothing across batches: a failure in the middle (a trigger refusing one row) writes no note', async () => {
    const env = postgres.env(await postgres.createDatabase());
    const store = pgStore(env);
    await store.prepare();
    await postgres.sql(
      env.PGDATABASE!,
      `create function refuse_boom() returns trigger language plpgsql as $$ begin
         if new.title = 'boom' then raise exception 'refused by test trigger'; end if; return new; end $$;
       create trigger refuse_boom before insert on notes for each row execute function refuse_boom();`,
    );
    const notes = Array.from({ length: 450 }, (_, i) => ({
      id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
      title: i === 420 ? 'boom' : `n${i}`, // in the third batch: two batches are in before it fails
      body: '',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
    }));
    await expect(store.importNotes(notes)).rejects.toThrow('refused by test trigger');
    expect(await postgres.sql(env.PGDATABASE!, 'select count(*) from notes')).toBe('0\n');
    expect(await store.importNotes(notes.filter((n) => n.title !== 'boom'))).toEqual({ imported: 449, unchanged: 0, replaced: 0 });
  });

  it('is not ready while its database does not exist, and turns ready (migrated) once it does', async () => {
    const name = `late_${Date.now().toString(36)}`;
    const store = pgStore(postgres.env(name));
    const before = await store.prepare();
    expect(before).toEqual({ ok: false, reason: expect.stringContaining('3D000') });
    await expectUnavailable(store.create({ title: 'x', body: '' }), '3D000');
    await postgres.createDatabase(name);
    expect(await store.readiness()).toEqual({ ok: true });
    expect((await store.create({ title: 'now', body: '' })).title).toBe('now');
  });

  it('is not ready, without crashing or hanging, when nothing listens at PGHOST:PGPORT; a write is a 503 error', async () => {
    const port = await freePort();
    const store = pgStore({ ...postgres.env('postgres'), PGPORT: String(port) });
    const started = Date.now();
    expect(await store.readiness()).toEqual({ ok: false, reason: expect.stringContaining('ECONNREFUSED') });
    await expectUnavailable(store.list(), 'ECONNREFUSED');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('is not ready with a wrong password, and says so without the password', async () => {
    const wrong = 'not-the-password-3f9c';
    const store = pgStore({ ...postgres.env('postgres'), PGPASSWORD: wrong });
    const ready = await store.readiness();
    expect(ready).toEqual({ ok: false, reason: expect.stringContaining('28P01') });
    expect(JSON.stringify(ready)).not.toContain(wrong);
    expect(JSON.stringify(ready)).not.toContain(postgres.password);
  });
});

describe('which database errors mean "not ready" (503) rather than a bug (500)', () => {
  const sqlError = (code: string) => Object.assign(new Error(`sqlstate ${code}`), { code });
  it.each([
    ['the server refuses the connection', Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), 'ECONNREFUSED'],
    ['no address of the name answers', new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]), 'ECONNREFUSED'],
    ['the name does not resolve', Object.assign(new Error('getaddrinfo'), { code: 'ENOTFOUND' }), 'ENOTFOUND'],
    ['no connection within the timeout', new Error('timeout exceeded when trying to connect'), 'ETIMEDOUT'],
    ['the connection dropped', new Error('Connection terminated unexpectedly'), 'ECONNRESET'],
    ['no answer to a query', new Error('Query read timeout'), 'ETIMEDOUT'],
    ['the server shutting down', sqlError('57P01'), '57P01'],
    ['the server starting up', sqlError('57P03'), '57P03'],
    ['a wrong password', sqlError('28P01'), '28P01'],
    ['no such database', sqlError('3D000'), '3D000'],
    ['too many connections', sqlError('53300'), '53300'],
    ['a standby (read-only) after a failover', sqlError('25006'), '25006'],
    ['the database disk is full (507, as ENOSPC)', sqlError('53100'), 'ENOSPC'],
  ])('%s: unavailable', (_what, err, code) => {
    expect(unavailableCode(err)).toBe(code);
  });

  it.each([
    ['a unique violation', sqlError('23505')],
    ['a missing table', sqlError('42P01')],
    ['a syntax error', sqlError('42601')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('%s: a bug, not unavailability', (_what, err) => {
    expect(unavailableCode(err)).toBeUndefined();
  });
});

describe("PGSSLMODE keeps libpq's meaning", () => {
  it('disable is plain text; require encrypts without verifying; verify-ca and verify-full verify', () => {
    expect(sslOptions({ sslMode: 'disable' })).toBe(false);
    expect(sslOptions({ sslMode: 'require' })).toEqual({ rejectUnauthorized: false });
    expect(sslOptions({ sslMode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
    const verifyCa = sslOptions({ sslMode: 'verify-ca' });
    expect(verifyCa).toMatchObject({ rejectUnauthorized: true });
    // verify-ca checks the chain, not the name.
    expect(verifyCa && verifyCa.checkServerIdentity?.('other.example', {} as never)).toBeUndefined();
  });
});

describe('an import conflict', () => {
  it('names every id up to twenty in its one line, then how many more (all of them stay on the error)', () => {
    const ids = Array.from({ length: 25 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
    const err = new ImportConflictError(ids);
    expect(err.ids).toEqual(ids);
    expect(err.message).toContain(`${ids[19]} and 5 more`);
    expect(err.message).not.toContain(ids[20]);
    expect(err.message).not.toContain('\n');
    expect(new ImportConflictError(ids.slice(0, 2)).message).toBe(`2 notes are already stored with other content: ${ids[0]}, ${ids[1]}`);
  });
});
