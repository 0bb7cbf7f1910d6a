// Does what a command printed match what the guide shows it printed? The shown text is a pattern
// of lines: `…` inside a line stands for any characters (an id, a port, a time), and a line that
// is only `…` stands for any number of lines, none included. Everything else must be there as
// shown, line for line. Runs of spaces and tabs count as one space (columns and /proc's tabs), and
// trailing spaces and leading or trailing blank lines do not count.

const ELLIPSIS = '…';

function lines(text: string): string[] {
  const all = text.replace(/\r/g, '').split('\n').map((l) => l.replace(/[ \t]+/g, ' ').trimEnd());
  while (all.length > 0 && all[all.length - 1] === '') all.pop();
  while (all.length > 0 && all[0] === '') all.shift();
  return all;
}

function lineRegex(pattern: string): RegExp {
  const parts = pattern.split(ELLIPSIS).map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.*')}$`);
}

export function matchesOutput(actual: string, shown: string): boolean {
  const have = lines(actual);
  const want = lines(shown).map((l) => (l === ELLIPSIS ? null : lineRegex(l)));
  // memo[i][j]: does want[i..] match have[j..]?
  const memo = new Map<string, boolean>();
  const match = (i: number, j: number): boolean => {
    const key = `${i},${j}`;
    const known = memo.get(key);
    if (known !== undefined) return known;
    let result: boolean;
    if (i === want.length) result = j === have.length;
    else if (want[i] === null) result = match(i + 1, j) || (j < have.length && match(i, j + 1));
    else result = j < have.length && want[i]!.test(have[j]!) && match(i + 1, j + 1);
    memo.set(key, result);
    return result;
  };
  return match(0, 0);
}

/** Puts the values the test runs with in place of the guide's defaults, in one pass. */
export function substitute(text: string, replacements: ReadonlyMap<string, string>): string {
  const from = [...replacements.keys()].filter((k) => k !== '').sort((a, b) => b.length - a.length);
  if (from.length === 0) return text;
  const re = new RegExp(from.map((k) => k.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  return text.replace(re, (m) => replacements.get(m)!);
}
