// Runs a guide's command blocks the way a reader runs them: one after another in one bash session
// (so a variable set in one block is there in the next), from the repository root, with
// `set -euo pipefail`. stderr goes with stdout, in order, since the guide shows both. A line
// printed between blocks tells which block each part of the output belongs to; when bash stops
// early, the last of those lines names the block that failed.
import { spawn } from 'node:child_process';

export interface BlockRun {
  readonly text: string;
  readonly output: string;
}

export interface GuideRun {
  /** Every block that started, with its output; the last one is the failing one if !ok. */
  readonly blocks: BlockRun[];
  readonly ok: boolean;
  readonly exitCode: number | null;
  readonly timedOut: boolean;
  readonly ms: number;
}

const MARK = '@@berth-guide-block@@';

export function guideScript(blocks: readonly string[]): string {
  const parts = ['set -euo pipefail', 'exec 2>&1'];
  blocks.forEach((text, i) => {
    parts.push(`printf '\\n%s %d\\n' '${MARK}' ${i}`, text);
  });
  parts.push(`printf '\\n%s end\\n' '${MARK}'`);
  return `${parts.join('\n')}\n`;
}

export function runGuide(
  blocks: readonly string[],
  opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<GuideRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout ends whatever the blocks started too.
    const child = spawn('bash', ['-c', guideScript(blocks)], {
      cwd: opts.cwd,
      env: opts.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }, opts.timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const pieces = out.split(new RegExp(`\\n${MARK} (\\d+|end)\\n`));
      // pieces: [before the first mark, index, output, index, output, ...]
      const runs: BlockRun[] = [];
      let reachedEnd = false;
      for (let k = 1; k < pieces.length; k += 2) {
        if (pieces[k] === 'end') {
          reachedEnd = true;
          break;
        }
        const index = Number(pieces[k]);
        runs.push({ text: blocks[index]!, output: pieces[k + 1] ?? '' });
      }
      resolve({
        blocks: runs,
        ok: code === 0 && reachedEnd && runs.length === blocks.length,
        exitCode: code,
        timedOut,
        ms: performance.now() - started,
      });
    });
  });
}

/** The message for a run that stopped: which block, its text, and what it printed. */
export function describeFailure(run: GuideRun, where: (index: number) => string): string {
  const index = run.blocks.length - 1;
  const last = run.blocks[index];
  if (!last) return `the guide's script stopped before its first block (exit ${run.exitCode})`;
  const why = run.timedOut ? 'did not finish in time' : `exited with code ${run.exitCode}`;
  return [
    `guide block ${index + 1} (${where(index)}) ${why}:`,
    '```sh',
    last.text,
    '```',
    'its output:',
    last.output.trimEnd().split('\n').slice(-40).join('\n'),
  ].join('\n');
}
