// Reads the container guide (docs/containers.md and docs/ko/containers.md) as data: its fenced
// blocks, in order, with what the guide's conventions make of them. Pure: text in, blocks out.
//
// The conventions (each guide states them at its top):
//   ```sh    a command block. The test runs it, unless the line right before it is a marker
//            <!-- not run: REASON -->  (needs AWS, another OS or runtime, a terminal, ...).
//   ```text  right after a command block (blank lines between at most): what that block printed.
//            `…` stands for a part that varies; a line that is only `…` for any number of lines.
//            Two or more in a row are alternatives (cgroup v1 / v2): the output matches one.
//   <!-- host-docker-run -->  right before a ```text block: the EC2 host's `docker run`, checked
//            against infra/host/bootstrap.ts. Any other ```text block needs such a marker too.
// Any other fence language, an indented fence or a ~~~ fence is an error, so no command can sit in
// the guide without being either run or explicitly marked as not run.

export const FENCE_LANGUAGES = ['sh', 'text'] as const;

export interface CommandBlock {
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly text: string;
  /** Why it is not run, or undefined when the test runs it. */
  readonly notRun: string | undefined;
  /** The ```text blocks right after it: alternative outputs. */
  readonly outputs: string[];
}

export interface TextBlock {
  readonly line: number;
  readonly text: string;
  /** The HTML comment marker right before it, if any. */
  readonly marker: string | undefined;
}

export interface Guide {
  readonly file: string;
  readonly commands: CommandBlock[];
  /** ```text blocks that are not outputs of a command block. */
  readonly texts: TextBlock[];
}

export class GuideFormatError extends Error {}

const NOT_RUN = /^<!-- not run: (\S.*?) -->$/;
/** Any HTML comment alone on a line; its name is what comes before a colon. */
const MARKER = /^<!--\s*([^:]*?)\s*(?::.*)?-->$/;

export function parseGuide(file: string, markdown: string): Guide {
  const lines = markdown.split('\n');
  const commands: CommandBlock[] = [];
  const texts: TextBlock[] = [];
  const problems: string[] = [];
  // The last thing that was not a blank line: prose, a marker, or the end of a fence.
  let previous: { kind: 'prose' | 'marker'; text: string } | { kind: 'command'; block: CommandBlock } | { kind: 'other-text' } =
    { kind: 'prose', text: '' };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const where = `${file}:${i + 1}`;
    if (/^\s+(```|~~~)/.test(line) || /^~~~/.test(line)) {
      problems.push(`${where}: fences must be \`\`\` at the start of the line (no indent, no ~~~), so the test sees every block`);
      continue;
    }
    const open = /^```(.*)$/.exec(line);
    if (!open) {
      if (line.trim() === '') continue;
      previous = MARKER.test(line.trim()) ? { kind: 'marker', text: line.trim() } : { kind: 'prose', text: line };
      continue;
    }
    const lang = open[1]!.trim();
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && lines[j] !== '```') body.push(lines[j++]!);
    if (j >= lines.length) {
      problems.push(`${where}: this fence is never closed`);
      break;
    }
    const text = body.join('\n');
    if (!(FENCE_LANGUAGES as readonly string[]).includes(lang)) {
      problems.push(`${where}: fence language '${lang}' is not one of ${FENCE_LANGUAGES.join(', ')}: commands go in \`\`\`sh (run, or marked <!-- not run: why -->), output and other text in \`\`\`text`);
    } else if (lang === 'sh') {
      const marker = previous.kind === 'marker' ? previous.text : undefined;
      const notRun = marker ? NOT_RUN.exec(marker)?.[1] : undefined;
      if (marker && !notRun) problems.push(`${where}: the marker before this sh block is not <!-- not run: REASON -->: ${marker}`);
      if (text.trim() === '') problems.push(`${where}: empty sh block`);
      const block: CommandBlock = { line: i + 1, text, notRun, outputs: [] };
      commands.push(block);
      previous = { kind: 'command', block };
      i = j;
      continue;
    } else if (previous.kind === 'command') {
      previous.block.outputs.push(text);
      i = j;
      continue; // previous stays the command: a further text block is an alternative
    } else {
      // Not an output: it must say what it is, so that an output parted from its command by a
      // line of prose cannot pass unchecked.
      const marker = previous.kind === 'marker' ? previous.text : undefined;
      if (!marker) problems.push(`${where}: a text block must come right after a sh block (its output) or after a marker such as <!-- host-docker-run -->`);
      else if (NOT_RUN.test(marker)) problems.push(`${where}: a not-run marker belongs before a sh block, not a text block`);
      texts.push({ line: i + 1, text, marker: marker ? MARKER.exec(marker)![1] : undefined });
    }
    previous = { kind: 'other-text' };
    i = j;
  }
  if (problems.length > 0) throw new GuideFormatError(problems.join('\n'));
  return { file, commands, texts };
}

/** A command block as the two languages must agree on it: full-line comments may be translated. */
export function comparable(block: CommandBlock) {
  const code = block.text
    .split('\n')
    .filter((l) => !/^\s*#/.test(l))
    .map((l) => l.trimEnd())
    .join('\n');
  return { run: block.notRun === undefined, code, outputs: block.outputs };
}

/** `NAME=${NAME:-default}` lines: the guide's variables and their defaults, in order. */
export function variableDefaults(block: CommandBlock): Map<string, string> {
  const defaults = new Map<string, string>();
  for (const line of block.text.split('\n')) {
    const m = /^(\w+)=\$\{(\w+):-([^}]+)\}$/.exec(line.trim());
    if (m && m[1] === m[2]) defaults.set(m[1]!, m[3]!);
  }
  return defaults;
}

/** Joins lines continued with a trailing backslash, as a shell reads them. */
export function joinContinuations(text: string): string {
  return text.replace(/ *\\\n\s*/g, ' ');
}

/** Heading anchors as GitHub makes them: lower case, punctuation dropped, spaces to hyphens, -1, -2 for repeats. */
export function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let inFence = false;
  for (const line of markdown.split('\n')) {
    if (line.startsWith('```')) inFence = !inFence;
    const heading = inFence ? null : /^#{1,6} (.*)$/.exec(line);
    if (!heading) continue;
    const slug = heading[1]!
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  return anchors;
}

/** The targets of [text](target) links outside code, with their lines; web links left out. */
export function localLinks(markdown: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  let inFence = false;
  markdown.split('\n').forEach((line, i) => {
    if (line.startsWith('```')) inFence = !inFence;
    if (inFence) return;
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!/^[a-z]+:/.test(m[1]!)) links.push({ line: i + 1, target: m[1]! });
    }
  });
  return links;
}
