// Notes in PostgreSQL, for a fleet: hosts share no disk, so the file store cannot serve them; the
// database is the one truth every host reads and writes. Same answers as the file store (the
// contract in test/unit/store.test.ts runs against both): notes listed by createdAt then id, an
// unknown or malformed id is NoteNotFoundError, an unreachable database is StorageUnavailableError
// (503), and a write is acknowledged once committed (PostgreSQL's default synchronous_commit=on
// flushes the commit's WAL first).
//
// The schema is made at start by the migrations below, recorded in berth_migrations. Two
// processes start together during a release (the old container and the new, or hosts of a fleet):
// each applies migrations in one transaction holding a transaction-level advisory lock, so the
// second waits, then finds them applied. A migration is only ever added, never edited, and must
// leave the schema usable by the release before it (both serve at once during a swap).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import pg from 'pg';
import type { PgConnection } from './config.js';
import {
  checkId,
  checkNotes,
  errorCode,
  type ImportOptions,
  type ImportResult,
  type Note,
  type NoteInput,
  NoteNotFoundError,
  planImport,
  type Prepared,
  type Readiness,
  StorageUnavailableError,
  type Store,
  type StoreInfo,
} from './store.js';

export interface Migration {
  readonly id: string;
  readonly sql: string;
}

/** In order; ids sort in the order they apply. Never edit one that shipped: add the next. */
export const MIGRATIONS: readonly Migration[] = [
  {
    id: '0001-notes',
    sql: `
      create table notes (
        id uuid primary key,
        title text not null,
        body text not null,
        created_at timestamptz not null,
        updated_at timestamptz not null
      );
      -- The listing's order (createdAt, then id), read from the index.
      create index notes_created_at_id on notes (created_at, id);`,
  },
];

/** pg_advisory_xact_lock's key for migrations: "berthmig" in ASCII, as a bigint. */
export const MIGRATION_LOCK_KEY = '7090199032658487655';

/** How long a request waits for a connection before it is a 503 rather than a hung request. */
const CONNECT_TIMEOUT_MS = 5_000;
/** A query with no answer after this long (a partitioned network) fails instead of hanging. */
const QUERY_TIMEOUT_MS = 15_000;

const COLUMNS = 'id, title, body, created_at, updated_at';
interface NoteRow {
  id: string;
  title: string;
  body: string;
  created_at: Date;
  updated_at: Date;
}
const toNote = (row: NoteRow): Note => ({
  id: row.id,
  title: row.title,
  body: row.body,
  createdAt: row.created_at.toISOString(),
  updatedAt: row.updated_at.toISOString(),
});

export class PgStore implements Store {
  readonly info: StoreInfo;
  private readonly pool: pg.Pool;
  private readonly where: string;
  private readonly migrations: readonly Migration[];
  private migrated = false;
  private migrating: Promise<readonly string[]> | undefined;

  constructor(
    connection: PgConnection,
    options: { readonly poolSize?: number; readonly migrations?: readonly Migration[] } = {},
  ) {
    this.migrations = options.migrations ?? MIGRATIONS;
    this.info = { kind: 'postgres', host: connection.host, port: connection.port, database: connection.database };
    this.where = `database ${connection.database} on ${connection.host}:${connection.port}`;
    this.pool = new pg.Pool({
      host: connection.host,
      port: connection.port,
      database: connection.database,
      user: connection.user,
      // A function: pg calls it at each connect (packages/pg/lib/client.js accepts a function
      // password), so the string never sits on the pool's options.
      ...(connection.password ? { password: connection.password } : {}),
      ssl: sslOptions(connection),
      max: options.poolSize ?? 10,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      query_timeout: QUERY_TIMEOUT_MS,
      idleTimeoutMillis: 10_000,
    });
    // An idle connection the server drops (a restart, a failover) emits 'error' on the pool; with
    // no listener that would crash the process. The next query takes a new connection, and
    // readiness reports the database while it is away.
    this.pool.on('error', () => undefined);
  }

  /** Ready: the migrations are applied (applying them now if start could not) and `select 1` answers. */
  async readiness(): Promise<Readiness> {
    try {
      await this.ensureMigrated();
      await this.pool.query('select 1');
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `${this.where} is not ready: ${describePgError(err)}` };
    }
  }

  async prepare(): Promise<Prepared> {
    try {
      const applied = await this.ensureMigrated();
      return applied.length > 0 ? { ok: true, did: 'applied database migrations', fields: { applied } } : { ok: true };
    } catch (err) {
      return { ok: false, reason: `${this.where} is not ready: ${describePgError(err)}` };
    }
  }

  async list(): Promise<readonly Note[]> {
    const { rows } = await this.query<NoteRow>(`select ${COLUMNS} from notes order by created_at, id`);
    return rows.map(toNote);
  }

  async get(id: string): Promise<Note> {
    const { rows } = await this.query<NoteRow>(`select ${COLUMNS} from notes where id = $1`, [checkId(id)]);
    if (rows[0] === undefined) throw new NoteNotFoundError(id);
    return toNote(rows[0]);
  }

  async create(input: NoteInput, now = new Date()): Promise<Note> {
    const at = now.toISOString();
    const note: Note = { id: randomUUID(), title: input.title, body: input.body, createdAt: at, updatedAt: at };
    await this.query('insert into notes (id, title, body, created_at, updated_at) values ($1, $2, $3, $4, $4)', [
      note.id,
      note.title,
      note.body,
      at,
    ]);
    return note;
  }

  async update(id: string, input: NoteInput, now = new Date()): Promise<Note> {
    const { rows } = await this.query<NoteRow>(
      `update notes set title = $2, body = $3, updated_at = $4 where id = $1 returning ${COLUMNS}`,
      [checkId(id), input.title, input.body, now.toISOString()],
    );
    if (rows[0] === undefined) throw new NoteNotFoundError(id);
    return toNote(rows[0]);
  }

  async delete(id: string): Promise<void> {
    const { rowCount } = await this.query('delete from notes where id = $1', [checkId(id)]);
    if (rowCount === 0) throw new NoteNotFoundError(id);
  }

  /**
   * One transaction: the stored notes under the imported ids are read and locked (FOR UPDATE, so no
   * concurrent write changes them between the comparison and the commit), then the new ones are
   * inserted and, with `replace`, the differing ones overwritten, a few hundred per statement
   * (unnest of arrays) so that a slow link (a tunnel) costs a round trip per batch, not per note.
   * Any refusal or failure rolls back: nothing is written.
   */
  async importNotes(values: readonly unknown[], options: ImportOptions = {}): Promise<ImportResult> {
    const notes = checkNotes(values);
    try {
      await this.ensureMigrated();
      const client = await this.pool.connect();
      try {
        await client.query('begin');
        const stored = new Map<string, Note>();
        for (const batch of batches(notes)) {
          const { rows } = await client.query<NoteRow>(
            importQuery(`select ${COLUMNS} from notes where id = any($1::uuid[]) for update`, [batch.map((n) => n.id)]),
          );
          for (const row of rows) stored.set(row.id, toNote(row));
        }
        const plan = planImport(notes, stored, options);
        for (const batch of batches(plan.insert)) {
          await client.query(
            importQuery(
              `insert into notes (${COLUMNS})
               select * from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])`,
              columns(batch),
            ),
          );
        }
        for (const batch of batches(plan.replace.map((r) => r.note))) {
          await client.query(
            importQuery(
              `update notes set title = u.title, body = u.body, created_at = u.created_at, updated_at = u.updated_at
               from unnest($1::uuid[], $2::text[], $3::text[], $4::timestamptz[], $5::timestamptz[])
                 as u (id, title, body, created_at, updated_at)
               where notes.id = u.id`,
              columns(batch),
            ),
          );
        }
        await client.query('commit');
        return { imported: plan.insert.length, unchanged: plan.unchanged, replaced: plan.replace.length };
      } catch (err) {
        await client.query('rollback').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    } catch (err) {
      throw asStorageError(err, this.where);
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /** Every data query: migrated first, and a database that cannot serve becomes a 503. */
  private async query<R extends pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    try {
      if (!this.migrated) await this.ensureMigrated();
      return await this.pool.query<R>(text, values);
    } catch (err) {
      throw asStorageError(err, this.where);
    }
  }

  /** Once per process when it succeeds; a failure (database not up yet) is tried again next time. */
  private ensureMigrated(): Promise<readonly string[]> {
    if (this.migrated) return Promise.resolve([]);
    this.migrating ??= migrate(this.pool, this.migrations).then(
      (applied) => {
        this.migrated = true;
        return applied;
      },
      (err: unknown) => {
        this.migrating = undefined;
        throw err;
      },
    );
    return this.migrating;
  }
}

/** Notes per statement of an import: a few MB of parameters at most (a body is at most 64 KiB). */
const IMPORT_BATCH = 200;
/** An import's statement carries up to a batch of notes, over what may be a slow tunnel. */
const IMPORT_QUERY_TIMEOUT_MS = 120_000;

/**
 * A query with the import's longer read timeout: pg's Client.query takes `query_timeout` from the
 * query's config before the client's (packages/pg/lib/client.js, Client.prototype.query: `const
 * readTimeout = config.query_timeout || this.connectionParameters.query_timeout`), a field
 * @types/pg's QueryConfig does not declare.
 */
function importQuery(text: string, values: unknown[]): pg.QueryConfig {
  const query = { text, values, query_timeout: IMPORT_QUERY_TIMEOUT_MS };
  return query;
}

function batches<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += IMPORT_BATCH) out.push(items.slice(i, i + IMPORT_BATCH));
  return out;
}

/** A batch as the five arrays unnest() takes, in COLUMNS' order. */
function columns(notes: readonly Note[]): string[][] {
  return [notes.map((n) => n.id), notes.map((n) => n.title), notes.map((n) => n.body), notes.map((n) => n.createdAt), notes.map((n) => n.updatedAt)];
}

/** Applies what berth_migrations lacks, in one transaction under the advisory lock; returns the ids applied. */
export async function migrate(pool: pg.Pool, migrations: readonly Migration[] = MIGRATIONS): Promise<readonly string[]> {
  const client = await pool.connect();
  try {
    await client.query('begin');
    // Held until commit or rollback: a second process blocks here, then (read committed: each
    // statement sees what committed before it) finds the table and every row the first wrote.
    await client.query('select pg_advisory_xact_lock($1::bigint)', [MIGRATION_LOCK_KEY]);
    await client.query(
      'create table if not exists berth_migrations (id text primary key, applied_at timestamptz not null default now())',
    );
    const done = new Set((await client.query<{ id: string }>('select id from berth_migrations')).rows.map((r) => r.id));
    const applied: string[] = [];
    for (const migration of migrations) {
      if (done.has(migration.id)) continue;
      await client.query(migration.sql);
      await client.query('insert into berth_migrations (id) values ($1)', [migration.id]);
      applied.push(migration.id);
    }
    await client.query('commit');
    return applied;
  } catch (err) {
    await client.query('rollback').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

/**
 * libpq's sslmode, which the `pg` client does not follow from PGSSLMODE: it reads `require` as
 * `ssl: true`, a certificate verified against Node's CAs (packages/pg/lib/connection-parameters.js,
 * readSSLConfigFromEnvironment), which RDS's own CA is not among. In libpq, `require` encrypts
 * without verifying; verify-ca checks the chain against PGSSLROOTCERT; verify-full the host name too.
 */
export function sslOptions(connection: Pick<PgConnection, 'sslMode' | 'sslRootCert'>): false | ConnectionOptions {
  const ca = connection.sslRootCert ? readFileSync(connection.sslRootCert, 'utf8') : undefined;
  switch (connection.sslMode) {
    case 'disable':
      return false;
    case 'require':
      return { rejectUnauthorized: false };
    case 'verify-ca':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'verify-full':
      return { rejectUnauthorized: true, ...(ca ? { ca } : {}) };
  }
}

// What makes a database error "the store cannot serve now" (503, like an unwritable data
// directory) rather than a bug (500). By SQLSTATE class (PostgreSQL's Appendix A, errcodes):
//   08 connection exception; 28 invalid authorization (wrong user or password); 3D000 no such
//   database; 53 insufficient resources (53100 disk full: 507 like ENOSPC; 53300 too many
//   connections); 57P01-57P03 the server shutting down, crashed or starting; 25006 a read-only
//   transaction (a standby during a failover, like EROFS).
// By Node's socket errors (the server cannot be reached), and by the messages pg gives a timeout
// or a dropped connection without a code (packages/pg-pool/index.js, packages/pg/lib/client.js).
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);
const UNAVAILABLE_SQLSTATE = /^(08|28|53|57P0[123]$|3D000$|25006$)/;
const UNAVAILABLE_MESSAGES: ReadonlyArray<[RegExp, string]> = [
  [/^timeout exceeded when trying to connect$/, 'ETIMEDOUT'],
  [/^Connection terminated/, 'ECONNRESET'],
  [/^Query read timeout$/, 'ETIMEDOUT'],
  [/is not queryable$/, 'ECONNRESET'],
];

/** The code that says the database cannot serve now, or undefined for any other error. */
export function unavailableCode(err: unknown): string | undefined {
  // Node's connect to a name with several addresses fails with an AggregateError of each attempt.
  const first = err instanceof AggregateError && err.errors.length > 0 ? err.errors[0] : err;
  const code = errorCode(err) !== 'unknown error' ? errorCode(err) : errorCode(first);
  if (NETWORK_CODES.has(code)) return code;
  if (/^[0-9A-Z]{5}$/.test(code)) return UNAVAILABLE_SQLSTATE.test(code) ? (code === '53100' ? 'ENOSPC' : code) : undefined;
  const message = err instanceof Error ? err.message : '';
  return UNAVAILABLE_MESSAGES.find(([pattern]) => pattern.test(message))?.[1];
}

export function asStorageError(err: unknown, where: string): unknown {
  const code = unavailableCode(err);
  if (code === undefined) return err;
  const message = code === 'ENOSPC' ? `no space left in ${where}` : `${where} is unavailable: ${describePgError(err)}`;
  return new StorageUnavailableError(code, where, message);
}

/** One line: the SQLSTATE or socket code and the server's message (which never holds the password). */
export function describePgError(err: unknown): string {
  const code = errorCode(err);
  const message = err instanceof Error && err.message !== '' ? err.message : err instanceof AggregateError ? 'no address answered' : String(err);
  return code === 'unknown error' ? message : `${message} (${code})`;
}
