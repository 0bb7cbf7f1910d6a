// What every structured config key (berth:app, berth:fleet, berth:database, berth:backups) reads
// with: the object set one key at a time (`pulumi config set --path berth:fleet.min 2`), its keys
// checked against the known ones, and each field parsed into its value or a problem naming its
// path. Numbers and booleans set with --path arrive as such or as strings (app-spec.ts says why).
import { closestName, quote, shellWord } from './suggest.js';

export type Parsed<T> = { readonly value: T } | { readonly problem: string };
export const ok = <T>(value: T): Parsed<T> => ({ value });
export const bad = (problem: string): Parsed<never> => ({ problem });

export const shown = (v: unknown) => quote(typeof v === 'string' ? v : JSON.stringify(v) ?? String(v));
export const whole = (v: unknown): number | undefined => {
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};
export const bool = (v: unknown): boolean | undefined => (v === true || v === 'true' ? true : v === false || v === 'false' ? false : undefined);

/** The object under `key`, or one problem; each of its keys checked against `known`. */
export function objectOf(key: string, text: string, known: readonly string[], example: string): { given?: Record<string, unknown>; problems: string[] } {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    raw = undefined;
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return { problems: [`${key}: must be an object of settings, set one at a time: pulumi config set --path ${key}.${example}; got ${quote(text)}`] };
  }
  const given = raw as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(given).sort()) {
    if (known.includes(k)) continue;
    const guess = closestName(k, known);
    const remove = `pulumi config rm --path ${shellWord(`${key}.${k}`)}`;
    const line = guess ? `${key}.${k}: unknown key; did you mean ${key}.${guess}? (${remove})` : `${key}.${k}: unknown key; ${key} takes ${known.join(', ')}; remove it: ${remove}`;
    problems.push(line.replace(/[\u0000-\u001f\u007f]/g, '?'));
  }
  return { given, problems };
}

/**
 * Reads the fields of a structured key's object: an unset field is its fallback; a set one is
 * parsed, and a problem is pushed onto `problems` under the field's path (`path(k)`), the fallback
 * standing in so the other fields are still checked.
 */
export function fieldReader<K extends string>(given: Readonly<Record<string, unknown>>, problems: string[], path: (k: K) => string) {
  return function field<T>(k: K, fallback: T, parse: (v: unknown) => Parsed<T>): T {
    if (!(k in given)) return fallback;
    const result = parse(given[k]);
    if ('problem' in result) {
      problems.push(`${path(k)}: ${result.problem}`);
      return fallback;
    }
    return result.value;
  };
}
