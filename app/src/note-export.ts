// The notes export: what GET /api/notes answers, `{"notes": [...]}` with every note in full, read
// back for an import (a bare array of notes, such as `jq .notes` makes of it, is taken too). Any
// problem is one error naming it: the input's shape (ExportFormatError), or the note (index, id)
// and field (InvalidNoteError).
import { checkNotes, type Note } from './store.js';

const EXPECTED = 'expected the body of GET /api/notes, {"notes": [...]}';

export class ExportFormatError extends Error {}

export function parseExport(text: string): Note[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new ExportFormatError(`the input is not JSON (${why}); ${EXPECTED}`);
  }
  if (Array.isArray(value)) return checkNotes(value);
  if (typeof value !== 'object' || value === null) throw new ExportFormatError(`the input is ${kind(value)}; ${EXPECTED}`);
  const keys = Object.keys(value);
  if (!keys.includes('notes')) throw new ExportFormatError(`the input has no "notes" (its keys: ${JSON.stringify(keys.slice(0, 5))}); ${EXPECTED}`);
  const others = keys.filter((k) => k !== 'notes');
  if (others.length > 0) throw new ExportFormatError(`the input has keys besides "notes": ${JSON.stringify(others.slice(0, 5))}; ${EXPECTED}`);
  const notes = (value as { notes: unknown }).notes;
  if (!Array.isArray(notes)) throw new ExportFormatError(`the input's "notes" is ${kind(notes)}, not an array; ${EXPECTED}`);
  return checkNotes(notes);
}

function kind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
