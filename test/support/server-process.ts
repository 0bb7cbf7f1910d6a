// Starts the real server (app/src/main.ts, through tsx) as a child process on a free loopback port.
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../sim/net.js';
import { waitFor } from '../../ops/run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const main = path.join(repoRoot, 'app/src/main.ts');

export interface ServerProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly output: () => string;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}


export function spawnServer(env: Record<string, string>): Omit<ServerProcess, 'url'> {
  const child = spawn(process.execPath, ['--import', 'tsx', main], {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, output: () => output, exited };
}

export async function startServer(env: Record<string, string>): Promise<ServerProcess> {
  const port = await freePort();
  const proc = spawnServer({ PORT: String(port), ...env });
  const url = `http://127.0.0.1:${port}`;
  let gone = false;
  proc.exited.then(() => (gone = true));
  await waitFor('the server to answer /healthz', async () => {
    if (gone) throw new Error(`the server exited early:\n${proc.output()}`);
    const res = await fetch(`${url}/healthz`);
    return res.ok ? true : undefined;
  }, { timeoutMs: 20_000, intervalMs: 50 });
  return { ...proc, url };
}
