// How a config error points at the fix: the known key nearest to a misspelled one, and values and
// keys quoted so that one problem stays one line. Shared by the top-level keys (validate.ts) and the
// keys under berth:app (app-spec.ts).

/** The known key whose name (after the namespace, case-insensitive) is nearest, if near enough. */
export function closestKey(key: string, knownKeys: readonly string[]): string | undefined {
  const afterNamespace = (k: string) => k.slice(k.indexOf(':') + 1);
  const near = closestName(afterNamespace(key), knownKeys.map(afterNamespace));
  return near === undefined ? undefined : knownKeys.find((known) => afterNamespace(known) === near);
}

/** The name (case-insensitive) nearest to `name`, if near enough to be what was meant. */
export function closestName(name: string, names: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const known of names) {
    const distance = editDistance(lower, known.toLowerCase());
    if (!best || distance < best.distance) best = { name: known, distance };
  }
  // Near enough: two edits, or a third of the name for long ones (healthcheckinterval → healthInterval).
  return best && best.distance <= Math.max(2, Math.floor(lower.length / 3)) ? best.name : undefined;
}

/** Edits (insert, delete, substitute, swap two neighbours) that turn a into b. */
export function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** A key as one shell word, for a command the user pastes. */
export const shellWord = (word: string) => (/^[A-Za-z0-9_:./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`);

/** A value as one short line in a message: control characters shown as ?, long ones cut. */
export function quote(value: string): string {
  const clean = value.replace(/[\u0000-\u001f\u007f]/g, '?');
  return JSON.stringify(clean.length > 60 ? `${clean.slice(0, 60)}…` : clean);
}
