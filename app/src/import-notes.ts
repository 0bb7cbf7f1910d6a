// The import tool, in the image as `node dist/import-notes.js`: reads a notes export (the body of
// GET /api/notes) from stdin and writes it into the store the environment selects, exactly as the
// server would pick it (PGHOST and libpq's PG* variables: PostgreSQL; else the file store on
// DATA_DIR), keeping ids and timestamps. It applies the store's migrations first, with the server's
// own code (Store.prepare), then imports all or nothing (Store.importNotes).
//
//   node dist/import-notes.js [--replace] < notes.json
//
// Exit 0: imported (one summary line on stdout). Exit 1: refused, nothing written, or failed (one
// line on stderr naming the note and field, or the conflicting ids). Exit 2: usage or configuration.
import { ConfigError, parseConfig } from './config.js';
import { ExportFormatError, parseExport } from './note-export.js';
import { openStore } from './open-store.js';
import { ImportConflictError, InvalidNoteError, type Note, StorageUnavailableError } from './store.js';

const USAGE = 'usage: node dist/import-notes.js [--replace] < notes.json  (--replace: a note stored with other content takes the export\'s)';

// A failure rolls back (PostgreSQL) or is undone (file store); only one at the commit itself leaves
// it unknown whether the import landed. Either way a re-run is safe: what landed counts unchanged.
const RERUN = ' (a re-run is safe: notes already imported count as unchanged)';

function fail(code: number, message: string): never {
  process.stderr.write(`import-notes: ${message}\n`);
  process.exit(code);
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const unknown = args.find((a) => a !== '--replace');
  if (unknown !== undefined) fail(2, `unknown argument ${JSON.stringify(unknown)}; ${USAGE}`);
  const replace = args.includes('--replace');
  if (process.stdin.isTTY) fail(2, `the export comes on stdin; ${USAGE}`);

  let config;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(2, `invalid configuration: ${err.message}`);
    throw err;
  }

  // The whole input is checked before the store is opened: bad input never reaches it.
  let notes: Note[];
  try {
    notes = parseExport(await readStdin());
  } catch (err) {
    if (err instanceof ExportFormatError || err instanceof InvalidNoteError) fail(1, `refused, nothing written: ${err.message}`);
    throw err;
  }

  const store = openStore(config);
  const where = store.info.kind === 'postgres' ? `database ${store.info.database} on ${store.info.host}:${store.info.port}` : store.info.dir;
  try {
    const prepared = await store.prepare();
    if (!prepared.ok) fail(1, `nothing written: the store is not ready: ${prepared.reason}`);
    const result = await store.importNotes(notes, { replace });
    const changed = result.imported + result.replaced > 0;
    process.stdout.write(
      `import-notes: imported ${result.imported}, unchanged ${result.unchanged}, replaced ${result.replaced} into ${where}` +
        `${changed ? '' : ' (nothing to do: the store already holds these notes)'}\n`,
    );
  } catch (err) {
    if (err instanceof ImportConflictError) {
      fail(1, `refused, nothing written: ${err.message}; rerun with --replace to let the export's version win`);
    }
    if (err instanceof InvalidNoteError) fail(1, `refused, nothing written: ${err.message}`);
    if (err instanceof StorageUnavailableError) fail(1, `failed: ${err.message}${RERUN}`);
    throw err;
  } finally {
    await store.close().catch(() => undefined);
  }
}

main().catch((err: unknown) => {
  fail(1, `failed: ${err instanceof Error ? err.message : String(err)}${RERUN}`);
});
