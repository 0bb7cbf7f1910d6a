// berth's one argv runner: runs a program with its arguments (never through a shell), in the
// background with the output collected (run, check), or synchronously for the ops scripts: the
// output captured (runSync, checkSync) or the terminal handed over (runAttached). The run* ones
// never throw on a non-zero exit (the caller decides); the check* ones do.
import { spawn, spawnSync } from 'node:child_process';

export interface Result {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(
  argv: readonly string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number } = {},
): Promise<Result> {
  const [program, ...args] = argv;
  return new Promise((resolve, reject) => {
    const child = spawn(program!, args, { cwd: opts.cwd, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    // A command that exits before reading its stdin closes the pipe: EPIPE here is not an error
    // of the command, and unhandled it would crash the test process.
    child.stdin.on('error', () => undefined);
    child.stdin.end(opts.input ?? '');
  });
}

/** Like run, but a non-zero exit is an error that shows the command and its stderr. */
export async function check(argv: readonly string[], opts: Parameters<typeof run>[1] = {}): Promise<string> {
  const result = await run(argv, opts);
  if (result.code !== 0) {
    throw new Error(`${argv.join(' ')} exited ${result.code}:\n${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`);
  }
  return result.stdout;
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  { timeoutMs = 30_000, intervalMs = 100 } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
}

/** A synchronous run: `code` is null when the program was killed or could not start (`error`). */
export interface SyncResult extends Result {
  /** Why the program could not run (not found, not executable, over maxBuffer), if it could not. */
  readonly error?: Error;
}

export interface SyncOptions {
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly input?: string;
}

/** Large outputs (a build's log, `docker inspect` of many containers) fit: spawnSync's default is 1 MiB. */
const MAX_BUFFER = 64 << 20;

/** Runs a command to its end with its output captured as text; never throws on a non-zero exit. */
export function runSync(argv: readonly string[], opts: SyncOptions = {}): SyncResult {
  const [program, ...args] = argv;
  const r = spawnSync(program!, args, { cwd: opts.cwd, env: opts.env ?? process.env, input: opts.input ?? '', encoding: 'utf8', maxBuffer: MAX_BUFFER });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ...(r.error ? { error: r.error } : {}) };
}

/** Like runSync, but a non-zero exit (or no start) is an error that shows the command and its stderr. */
export function checkSync(argv: readonly string[], opts: SyncOptions = {}): string {
  const result = runSync(argv, opts);
  if (result.error) throw new Error(`${argv.join(' ')} could not run: ${result.error.message}`);
  if (result.code !== 0) throw new Error(`${argv.join(' ')} exited ${result.code}:\n${result.stderr.slice(-2000)}${result.stdout.slice(-1000)}`);
  return result.stdout;
}

/** Runs a command on this process's terminal (stdio inherited, or discarded with 'ignore'). */
export function runAttached(
  argv: readonly string[],
  opts: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv; readonly stdio?: 'inherit' | 'ignore' } = {},
): { readonly code: number | null; readonly error?: Error } {
  const [program, ...args] = argv;
  const r = spawnSync(program!, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: opts.stdio ?? 'inherit' });
  return { code: r.status, ...(r.error ? { error: r.error } : {}) };
}
