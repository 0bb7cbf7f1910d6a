// The notes export: what GET /api/notes answers (a JSON array of every note in full), read back for
// an import. Every problem is one InvalidNoteError naming the note (index, id) and the field.
import { checkNotes, InvalidNoteError, type Note } from './store.js';

/** An export that is not a JSON array at all: nothing in it names a note. */
export class ExportFormatError extends Error {}

export function parseExport(text: string): Note[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ExportFormatError(`the input is not JSON (${why}); expected the body of GET /api/notes, a JSON array of notes`);
  }
  if (!Array.isArray(value)) {
    const got = value === null ? 'null' : typeof value === 'object' ? 'an object' : typeof value;
    throw new ExportFormatError(`the input is ${got}, not a JSON array; expected the body of GET /api/notes, a JSON array of notes`);
  }
  return checkNotes(value);
}

export { InvalidNoteError };
