// Steady load against the app while something happens to it (a release, a crash), with wrk
// (Debian's, the real thing): closed-loop connections, mostly reads of /api/info, and every Nth
// request a write (POST /api/notes) so a swap is shown to lose no write either. A failed request
// is one wrk counts as a socket error (connect, read, write, timeout) or a non-2xx/3xx answer.
// Alongside, a poller reads /api/info every few milliseconds and records which revision answered,
// so a test can see the traffic move from the old version to the new one, and never back.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { type Result, run } from '../ops/run.js';

export interface LoadOptions {
  /** http://host:port, no path. */
  readonly url: string;
  readonly seconds: number;
  readonly connections?: number;
  readonly threads?: number;
  /** One request in this many is a write. Default 10. */
  readonly writeEvery?: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly requestsPerSecond: number;
  readonly non2xx: number;
  readonly socketErrors: { readonly connect: number; readonly read: number; readonly write: number; readonly timeout: number };
  /** Every request that did not succeed: socket errors plus non-2xx/3xx answers. */
  readonly failed: number;
  /** Writes answered 201: each must be on disk afterwards. */
  readonly created: number;
  readonly raw: string;
}

const SCRIPT = (writeEvery: number) => `
local threads = {}
function setup(thread) table.insert(threads, thread) end
n = 0
created = 0
request = function()
  n = n + 1
  if n % ${writeEvery} == 0 then
    return wrk.format("POST", "/api/notes", { ["Content-Type"] = "application/json" }, '{"title":"under load","body":"written during a swap"}')
  end
  return wrk.format("GET", "/api/info")
end
response = function(status, headers, body)
  if status == 201 then created = created + 1 end
end
done = function(summary, latency, requests)
  local total = 0
  for _, t in ipairs(threads) do total = total + t:get("created") end
  io.write(string.format("berth-created %d\\n", total))
end
`;

/** Starts wrk; await the promise for its result. */
export async function startLoad(options: LoadOptions): Promise<{ done: Promise<LoadResult> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'berth-load-'));
  const script = path.join(dir, 'load.lua');
  await writeFile(script, SCRIPT(options.writeEvery ?? 10));
  const argv = [
    'wrk', '--threads', String(options.threads ?? 2), '--connections', String(options.connections ?? 8),
    '--duration', `${options.seconds}s`, '--timeout', '5s', '--script', script, options.url,
  ];
  const done = run(argv, { timeoutMs: (options.seconds + 60) * 1000 })
    .then((r) => parseWrk(r, options.seconds))
    .finally(() => rm(dir, { recursive: true, force: true }));
  return { done };
}

export function parseWrk(r: Result, seconds: number): LoadResult {
  const out = r.stdout;
  if (r.code !== 0 || !/requests in/.test(out)) throw new Error(`wrk failed (exit ${r.code}):\n${out}\n${r.stderr}`);
  const num = (re: RegExp) => Number(re.exec(out)?.[1] ?? 0);
  const requests = num(/(\d+) requests in/);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const socketErrors = {
    connect: Number(socket?.[1] ?? 0), read: Number(socket?.[2] ?? 0), write: Number(socket?.[3] ?? 0), timeout: Number(socket?.[4] ?? 0),
  };
  const non2xx = num(/Non-2xx or 3xx responses: (\d+)/);
  const measured = num(/requests in ([\d.]+)s/) || seconds;
  return {
    requests,
    seconds: measured,
    requestsPerSecond: requests / measured,
    non2xx,
    socketErrors,
    failed: non2xx + socketErrors.connect + socketErrors.read + socketErrors.write + socketErrors.timeout,
    created: num(/berth-created (\d+)/),
    raw: out,
  };
}

export interface Sample {
  readonly at: number;
  /** The revision that answered, or null for a failed request. */
  readonly revision: string | null;
}

/** Reads /api/info every intervalMs until stopped; returns what answered, in order. */
export function pollRevisions(url: string, intervalMs = 20): { stop(): Promise<Sample[]> } {
  const samples: Sample[] = [];
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  let stopped = false;
  const one = () =>
    new Promise<string | null>((resolve) => {
      const req = http.get(`${url}/api/info`, { agent, timeout: 5000 }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => {
          try {
            resolve(res.statusCode === 200 ? String((JSON.parse(body) as { revision: string }).revision) : null);
          } catch {
            resolve(null);
          }
        });
      });
      req.on('error', () => resolve(null));
      req.on('timeout', () => req.destroy());
    });
  const loop = (async () => {
    while (!stopped) {
      samples.push({ at: Date.now(), revision: await one() });
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  })();
  return {
    async stop() {
      stopped = true;
      await loop;
      agent.destroy();
      return samples;
    },
  };
}

/** The distinct revisions in the order they answered: [old, new] for a clean switch. */
export function revisionRuns(samples: readonly Sample[]): (string | null)[] {
  const runs: (string | null)[] = [];
  for (const s of samples) if (runs.at(-1) !== s.revision) runs.push(s.revision);
  return runs;
}
