// The notes store: the interface both stores implement (Store), and the embedded default, the file
// store (NoteStore). The PostgreSQL store, for a fleet, is in pg-store.ts.
//
// Notes live as one JSON file each under <dataDir>/notes. The files are the only truth: two server
// processes may share the volume (during a release), so a process never trusts what it remembers
// over what is on disk. The one cache, of the listing, is checked against the directory on every
// use (see ListingCache).
//
// A write is acknowledged only once it is durable: the note is written to a temporary file, the
// file is fsynced, renamed over the final name (atomic on POSIX), and the directory is fsynced so
// the rename itself survives a crash. A SIGKILL or power loss at any moment leaves either the old
// file or the new one, never a torn one; a leftover temporary file is ignored and swept later.
import { randomBytes, randomUUID } from 'node:crypto';
import { constants, statSync } from 'node:fs';
import { access, mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

export interface Note {
  readonly id: string;
  readonly title: string;
  readonly body: string;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface NoteInput {
  readonly title: string;
  readonly body: string;
}

/** What a note id looks like: a lower-case UUID, the only names ever written to disk. */
export const NOTE_ID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$';
const NOTE_ID = new RegExp(NOTE_ID_PATTERN);
const NOTE_FILE = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.json$/;
const TEMP_FILE = /^\..*\.tmp$/;
const STALE_TEMP_MS = 60_000;

export class NoteNotFoundError extends Error {
  constructor(readonly id: string) {
    super(`no note with id ${id}`);
  }
}

export class CorruptNoteError extends Error {
  constructor(readonly file: string) {
    super(`note file ${file} is not a valid note`);
  }
}

/**
 * The store cannot take a write now: the data directory is read-only, missing, not ours or full,
 * or the database cannot be reached. The server answers 503 (507 for ENOSPC and EDQUOT).
 */
export class StorageUnavailableError extends Error {
  constructor(
    readonly code: string,
    where: string,
    message?: string,
  ) {
    super(message ?? (code === 'ENOSPC' ? `no space left in ${where}` : `data directory ${where} is not writable (${code})`));
  }
}
const UNAVAILABLE = new Set(['EROFS', 'EACCES', 'EPERM', 'ENOTDIR', 'ENOENT', 'ENOSPC', 'EDQUOT']);

export type Readiness = { ok: true } | { ok: false; reason: string };

/** What /api/info shows of the store in use: which one and where, never a credential. */
export type StoreInfo =
  | { readonly kind: 'file'; readonly dir: string }
  | { readonly kind: 'postgres'; readonly host: string; readonly port: number; readonly database: string };

/** The startup step's outcome: what it did worth a log line, or why the store is not ready yet. */
export type Prepared =
  | { readonly ok: true; readonly did?: string; readonly fields?: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly reason: string };

/**
 * What the server needs of a store. Both stores give the same answers (test/unit/store.test.ts runs
 * one contract against each): notes listed by createdAt then id, NoteNotFoundError for an unknown
 * or malformed id, StorageUnavailableError when the backing storage cannot serve, a write
 * acknowledged only once durable, and another process's writes seen at once.
 */
export interface Store {
  readonly info: StoreInfo;
  /** Whether a write could succeed now; the reason when not (GET /healthz answers 503 with it). */
  readiness(): Promise<Readiness>;
  /** Run once at start: the file store sweeps temporary files, PostgreSQL applies migrations. */
  prepare(): Promise<Prepared>;
  list(): Promise<readonly Note[]>;
  get(id: string): Promise<Note>;
  create(input: NoteInput, now?: Date): Promise<Note>;
  update(id: string, input: NoteInput, now?: Date): Promise<Note>;
  delete(id: string): Promise<void>;
  /**
   * Writes notes exactly as given, ids and timestamps kept (moving a single host's notes into a
   * fleet's database), all or nothing: every note is checked first (checkNotes: InvalidNoteError),
   * a note already stored with the same content is left alone (counted unchanged), and one stored
   * with other content is an ImportConflictError naming every such id, unless `replace` lets the
   * imported version win. When it throws, nothing was written.
   */
  importNotes(notes: readonly unknown[], options?: ImportOptions): Promise<ImportResult>;
  /** The last listing, synchronously, when provably unchanged; a store that cannot tell lacks it. */
  unchangedListing?(): readonly Note[] | undefined;
  /** Lets go of connections (the process is stopping). */
  close(): Promise<void>;
}

export interface ImportOptions {
  /** A note stored with other content than the imported one: the imported one wins (else refused). */
  readonly replace?: boolean;
}

export interface ImportResult {
  /** Notes that were not in the store and now are. */
  readonly imported: number;
  /** Notes already in the store with exactly this content: not written again. */
  readonly unchanged: number;
  /** Notes stored with other content, overwritten (only with `replace`). */
  readonly replaced: number;
}

/** An import names a note that is not one: which (index in the input, id when it has one) and which field. */
export class InvalidNoteError extends Error {
  constructor(
    readonly index: number,
    readonly id: string | undefined,
    readonly field: string,
    problem: string,
  ) {
    super(`note ${index}${id === undefined ? '' : ` (id ${id})`}: ${field}: ${problem}`);
  }
}

/** How many conflicting ids a message names (the error's `ids` holds them all): a line stays a line. */
const MAX_NAMED = 20;

/** An import meets notes already stored with other content; nothing was written. */
export class ImportConflictError extends Error {
  constructor(readonly ids: readonly string[]) {
    const named = ids.length > MAX_NAMED ? `${ids.slice(0, MAX_NAMED).join(', ')} and ${ids.length - MAX_NAMED} more` : ids.join(', ');
    super(`${ids.length} note${ids.length === 1 ? ' is' : 's are'} already stored with other content: ${named}`);
  }
}

const NOTE_FIELDS = ['id', 'title', 'body', 'createdAt', 'updatedAt'] as const;
/** A time as the stores write it: Date.prototype.toISOString(), UTC, milliseconds. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Checks that each value is a note as the stores make them: exactly the five fields, an id the store
 * would produce (a lower-case UUID), string title and body, times in toISOString()'s form that name a
 * real instant, and no id twice. The first problem is thrown (InvalidNoteError), so a caller can
 * name it and write nothing.
 */
export function checkNotes(values: readonly unknown[]): Note[] {
  const seen = new Map<string, number>();
  return values.map((value, index) => {
    const note = checkNote(value, index);
    const first = seen.get(note.id);
    if (first !== undefined) throw new InvalidNoteError(index, note.id, 'id', `the same id as note ${first}`);
    seen.set(note.id, index);
    return note;
  });
}

function checkNote(value: unknown, index: number): Note {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidNoteError(index, undefined, 'note', `must be an object with ${NOTE_FIELDS.join(', ')}; got ${describeValue(value)}`);
  }
  const v = value as Record<string, unknown>;
  const id = typeof v.id === 'string' && NOTE_ID.test(v.id) ? v.id : undefined;
  const fail = (field: string, problem: string) => new InvalidNoteError(index, id, field, problem);
  for (const field of NOTE_FIELDS) {
    if (!(field in v)) throw fail(field, 'missing');
    if (typeof v[field] !== 'string') throw fail(field, `must be a string; got ${describeValue(v[field])}`);
  }
  const extra = Object.keys(v).find((key) => !(NOTE_FIELDS as readonly string[]).includes(key));
  if (extra !== undefined) throw fail(extra, `not a note field (a note has ${NOTE_FIELDS.join(', ')})`);
  for (const field of ['title', 'body'] as const) {
    // JSON and the file store can hold U+0000; PostgreSQL's text cannot (it refuses the whole
    // statement, 22021), so it is named here rather than failing the import without saying where.
    if ((v[field] as string).includes('\u0000')) throw fail(field, 'contains U+0000 (\\u0000), which PostgreSQL cannot store; remove it from the export');
  }
  if (id === undefined) throw fail('id', `must be a note id as the store makes them (a lower-case UUID); got ${JSON.stringify(v.id)}`);
  for (const field of ['createdAt', 'updatedAt'] as const) {
    const time = v[field] as string;
    // Date.parse gives NaN for a month 13 (toISOString would throw) and rolls 02-30 over to March:
    // only a time that reads back as itself names a real instant.
    const parsed = Date.parse(time);
    if (!ISO_TIME.test(time) || Number.isNaN(parsed) || new Date(parsed).toISOString() !== time) {
      throw fail(field, `must be a UTC time as the store writes it, such as 2026-01-02T03:04:05.678Z; got ${JSON.stringify(time.slice(0, 40))}`);
    }
  }
  return { id, title: v.title as string, body: v.body as string, createdAt: v.createdAt as string, updatedAt: v.updatedAt as string };
}

function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)?.slice(0, 40)}`;
}

/** What an import does, given the notes it brings and those the store already has under their ids. */
export interface ImportPlan {
  readonly insert: readonly Note[];
  readonly replace: ReadonlyArray<{ readonly note: Note; readonly previous: Note }>;
  readonly unchanged: number;
}

/** Decides each note: new, unchanged (same content), or a conflict (refused unless `replace`). */
export function planImport(notes: readonly Note[], stored: ReadonlyMap<string, Note>, options: ImportOptions = {}): ImportPlan {
  const insert: Note[] = [];
  const replace: Array<{ note: Note; previous: Note }> = [];
  let unchanged = 0;
  for (const note of notes) {
    const previous = stored.get(note.id);
    if (previous === undefined) insert.push(note);
    else if (NOTE_FIELDS.every((field) => previous[field] === note[field])) unchanged++;
    else replace.push({ note, previous });
  }
  if (replace.length > 0 && !options.replace) throw new ImportConflictError(replace.map((r) => r.note.id));
  return { insert, replace, unchanged };
}

/**
 * The last listing, reused while the notes directory is provably unchanged. Every change a store
 * makes is a rename or unlink in that directory, which sets its mtime to "now" (a coarse clock,
 * behind by at most a tick). So if the directory's mtime is what it was when the listing was read,
 * and that mtime was already over a second old then, no change can have happened since: a later
 * one would carry a later mtime. A directory changed within the last second is simply re-read.
 */
interface ListingCache {
  readonly mtimeNs: bigint;
  readonly notes: readonly Note[];
}
const SETTLED_NS = 1_000_000_000n;

export class NoteStore implements Store {
  readonly dir: string;
  readonly info: StoreInfo;
  private listing: ListingCache | undefined;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'notes');
    this.info = { kind: 'file', dir: this.dir };
  }

  /** At start: when the directory is writable, sweep what an interrupted write left behind. */
  async prepare(): Promise<Prepared> {
    const ready = await this.readiness();
    if (!ready.ok) return ready;
    const swept = await this.sweepTempFiles();
    return swept > 0 ? { ok: true, did: 'removed temporary files left by an interrupted write', fields: { swept } } : { ok: true };
  }

  async close(): Promise<void> {
    // Nothing held open between requests.
  }

  /** Ready means: the notes directory exists (or can be made) and this process may write to it. */
  async readiness(): Promise<Readiness> {
    try {
      await mkdir(this.dir, { recursive: true });
      await access(this.dir, constants.W_OK);
      return { ok: true };
    } catch (err) {
      return { ok: false, reason: `data directory ${this.dir} is not writable (${errorCode(err)})` };
    }
  }

  /** Removes temporary files a killed writer left behind; young ones may belong to a live writer. */
  async sweepTempFiles(now = Date.now()): Promise<number> {
    let swept = 0;
    for (const name of await this.names()) {
      if (!TEMP_FILE.test(name)) continue;
      const file = path.join(this.dir, name);
      try {
        if (now - (await stat(file)).mtimeMs > STALE_TEMP_MS) {
          await unlink(file);
          swept++;
        }
      } catch {
        // Another process swept it first.
      }
    }
    return swept;
  }

  /**
   * The last listing if the directory is provably unchanged since it was read (one stat), without
   * a promise: the common case of a read-heavy server answers from here synchronously.
   */
  unchangedListing(): readonly Note[] | undefined {
    const listing = this.listing;
    if (listing === undefined) return undefined;
    return this.dirMtimeNs() === listing.mtimeNs ? listing.notes : undefined;
  }

  async list(): Promise<readonly Note[]> {
    const readAt = BigInt(Date.now()) * 1_000_000n;
    const mtimeNs = this.dirMtimeNs();
    if (mtimeNs !== undefined && this.listing?.mtimeNs === mtimeNs) return this.listing.notes;
    const ids = (await this.names()).flatMap((name) => NOTE_FILE.exec(name)?.[1] ?? []);
    const notes = (await Promise.all(ids.map((id) => this.read(id).catch(skipMissingOrCorrupt))))
      .filter((n): n is Note => n !== undefined)
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
    this.listing = mtimeNs !== undefined && readAt - mtimeNs > SETTLED_NS ? { mtimeNs, notes } : undefined;
    return notes;
  }

  private dirMtimeNs(): bigint | undefined {
    try {
      return statSync(this.dir, { bigint: true }).mtimeNs;
    } catch {
      return undefined;
    }
  }

  async get(id: string): Promise<Note> {
    return this.read(checkId(id));
  }

  async create(input: NoteInput, now = new Date()): Promise<Note> {
    const at = now.toISOString();
    const note: Note = { id: randomUUID(), title: input.title, body: input.body, createdAt: at, updatedAt: at };
    await this.write(note);
    return note;
  }

  async update(id: string, input: NoteInput, now = new Date()): Promise<Note> {
    const existing = await this.get(id);
    const note: Note = { ...existing, title: input.title, body: input.body, updatedAt: now.toISOString() };
    await this.write(note);
    return note;
  }

  /**
   * Checked and planned in full before the first write. The writes are one file each; if one fails
   * (a full disk), those already made are undone before the error is thrown: the new files removed
   * first (which frees room), then the replaced notes written back. An undo that fails too is said
   * in the error. (A SIGKILL in between leaves some written: a re-run finds them and does the rest.)
   */
  async importNotes(values: readonly unknown[], options: ImportOptions = {}): Promise<ImportResult> {
    const notes = checkNotes(values);
    const stored = new Map<string, Note>();
    for (const note of notes) {
      const previous = await this.read(note.id).catch((err: unknown) => {
        if (err instanceof NoteNotFoundError) return undefined;
        throw err;
      });
      if (previous) stored.set(note.id, previous);
    }
    const plan = planImport(notes, stored, options);
    // Undone last-first: so the replacements are written first, and their undo comes last.
    const undo: Array<() => Promise<void>> = [];
    try {
      for (const { note, previous } of plan.replace) {
        await this.write(note);
        undo.push(() => this.write(previous));
      }
      for (const note of plan.insert) {
        await this.write(note);
        undo.push(() => unlink(this.file(note.id)));
      }
    } catch (err) {
      let failed = 0;
      for (const step of undo.reverse()) await step().catch(() => failed++);
      await fsyncDir(this.dir).catch(() => undefined);
      if (failed > 0 && err instanceof Error) err.message += `; ${failed} of the import's writes could not be undone`;
      throw err;
    }
    return { imported: plan.insert.length, unchanged: plan.unchanged, replaced: plan.replace.length };
  }

  async delete(id: string): Promise<void> {
    try {
      await unlink(this.file(checkId(id)));
    } catch (err) {
      if (errorCode(err) === 'ENOENT') throw new NoteNotFoundError(id);
      throw err;
    }
    await fsyncDir(this.dir);
  }

  private async names(): Promise<string[]> {
    try {
      return await readdir(this.dir);
    } catch (err) {
      if (errorCode(err) === 'ENOENT') return [];
      throw err;
    }
  }

  private file(id: string): string {
    return path.join(this.dir, `${id}.json`);
  }

  private async read(id: string): Promise<Note> {
    let text: string;
    try {
      text = await readFile(this.file(id), 'utf8');
    } catch (err) {
      if (errorCode(err) === 'ENOENT') throw new NoteNotFoundError(id);
      throw err;
    }
    return parseNote(text, id, this.file(id));
  }

  private async write(note: Note): Promise<void> {
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFileDurably(this.file(note.id), `${JSON.stringify(note)}\n`);
    } catch (err) {
      if (UNAVAILABLE.has(errorCode(err))) throw new StorageUnavailableError(errorCode(err), this.dir);
      throw err;
    }
  }
}

export async function writeFileDurably(file: string, data: string): Promise<void> {
  const dir = path.dirname(file);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', 0o644);
  try {
    try {
      await handle.writeFile(data, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await unlink(temp).catch(() => undefined);
    throw err;
  }
  await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** A malformed id names no note, in every store (and never reaches a path or a query). */
export function checkId(id: string): string {
  if (!NOTE_ID.test(id)) throw new NoteNotFoundError(id);
  return id;
}

function parseNote(text: string, id: string, file: string): Note {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptNoteError(file);
  }
  const v = value as Partial<Record<keyof Note, unknown>>;
  if (
    typeof value !== 'object' ||
    value === null ||
    v.id !== id ||
    typeof v.title !== 'string' ||
    typeof v.body !== 'string' ||
    typeof v.createdAt !== 'string' ||
    typeof v.updatedAt !== 'string'
  ) {
    throw new CorruptNoteError(file);
  }
  return { id, title: v.title, body: v.body, createdAt: v.createdAt, updatedAt: v.updatedAt };
}

/** In a listing, a note deleted meanwhile (by this or another process) or unreadable is left out. */
function skipMissingOrCorrupt(err: unknown): undefined {
  if (err instanceof NoteNotFoundError || err instanceof CorruptNoteError) return undefined;
  throw err;
}

export function errorCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : 'unknown error';
}
