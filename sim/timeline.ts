// Load with a timeline: the same closed-loop traffic as load.ts (keep-alive connections, mostly
// reads of /api/info, every Nth request a write), but every request's end is recorded with its
// outcome, so a run can be drawn as requests per 100 ms over time (bench/release-chart.ts) and a
// failure placed in time. wrk reports totals only, which is why this exists beside it. Node's own
// http client, so HTTPS can name a server (SNI) other than the address it dials, as a browser does
// for a domain whose A record points at the host.
import http from 'node:http';
import https from 'node:https';

export interface TimelineOptions {
  /** http(s)://address:port, no path: where the connections go. */
  readonly url: string;
  readonly seconds: number;
  /** Default 8, as load.ts. */
  readonly connections?: number;
  /** One request in this many is a write. Default 10. */
  readonly writeEvery?: number;
  /** HTTPS: the name to ask for (SNI and Host), and the root its certificate must chain to. */
  readonly tls?: { readonly servername: string; readonly ca: string };
  /** Ends the run early once aborted (each connection finishes its request in flight). */
  readonly stop?: AbortSignal;
}

/** One finished request: when it ended (ms since the run started) and whether it succeeded. */
export interface TimelineEvent {
  readonly atMs: number;
  readonly ok: boolean;
  /** For a failure: the status code, or the socket error's code. */
  readonly why?: string;
}

export interface Timeline {
  /** Epoch ms the run started: events are relative to it. */
  readonly startedAt: number;
  readonly seconds: number;
  readonly events: readonly TimelineEvent[];
  readonly requests: number;
  readonly failed: number;
  readonly requestsPerSecond: number;
  /** The ids of the notes whose writes were acknowledged (201 with the note): what a store must
   * hold afterwards (test/e2e/fleet.test.ts queries PostgreSQL for each). */
  readonly acknowledgedWrites: readonly string[];
  /** The same writes with when each was sent and when its 201 arrived (ms since the run started),
   * in that order: what a restore drill sorts against the snapshot and the release
   * (sim/fleet-restore-drill.ts). */
  readonly acknowledged: readonly { readonly id: string; readonly sentAtMs: number; readonly atMs: number }[];
}

const WRITE_BODY = JSON.stringify({ title: 'under load', body: 'written during a release' });

/** Runs the load for `seconds` and resolves with every request it made. Bounded: it stops by itself. */
export function runTimeline(options: TimelineOptions): Promise<Timeline> {
  const target = new URL(options.url);
  const secure = target.protocol === 'https:';
  const agentOptions = { keepAlive: true, maxSockets: options.connections ?? 8 };
  const agent = secure ? new https.Agent({ ...agentOptions, ca: options.tls?.ca, servername: options.tls?.servername }) : new http.Agent(agentOptions);
  const transport = secure ? https : http;
  const startedAt = Date.now();
  const deadline = startedAt + options.seconds * 1000;
  const events: TimelineEvent[] = [];
  const acknowledgedWrites: string[] = [];
  const acknowledged: { id: string; sentAtMs: number; atMs: number }[] = [];
  let n = 0;

  const one = () =>
    new Promise<void>((resolve) => {
      const write = ++n % (options.writeEvery ?? 10) === 0;
      const sentAtMs = Date.now() - startedAt;
      const record = (ok: boolean, why?: string) => {
        events.push({ atMs: Date.now() - startedAt, ok, ...(why ? { why } : {}) });
        resolve();
      };
      const req = transport.request(
        {
          host: target.hostname, port: target.port, agent, method: write ? 'POST' : 'GET', path: write ? '/api/notes' : '/api/info', timeout: 5000,
          headers: { ...(write ? { 'content-type': 'application/json' } : {}), ...(options.tls ? { host: options.tls.servername } : {}) },
        },
        (res) => {
          // A write's answer is kept (a note, a few hundred bytes) for its id; reads are drained.
          const chunks: Buffer[] = [];
          if (write) res.on('data', (c: Buffer) => chunks.push(c));
          else res.resume();
          res.on('end', () => {
            if (res.statusCode! >= 400) return record(false, String(res.statusCode));
            if (write && res.statusCode === 201) {
              const id = acknowledgedId(Buffer.concat(chunks).toString('utf8'));
              // A 201 without the note's id acknowledges nothing a client could find again.
              if (id === undefined) return record(false, 'no id in 201');
              acknowledgedWrites.push(id);
              acknowledged.push({ id, sentAtMs, atMs: Date.now() - startedAt });
            }
            record(true);
          });
          res.on('error', (e: NodeJS.ErrnoException) => record(false, e.code ?? e.message));
        },
      );
      req.on('error', (e: NodeJS.ErrnoException) => record(false, e.code ?? e.message));
      req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'ETIMEDOUT' })));
      req.end(write ? WRITE_BODY : undefined);
    });

  const connection = async () => {
    while (Date.now() < deadline && !options.stop?.aborted) {
      const before = events.length;
      await one();
      // A refused connection fails at once: back off a little so a gap is counted in attempts a
      // client would make (about one per 10 ms per connection), not in a busy loop.
      if (!events[before]?.ok) await new Promise((r) => setTimeout(r, 10));
    }
  };
  return Promise.all(Array.from({ length: options.connections ?? 8 }, connection)).then(() => {
    agent.destroy();
    const seconds = (Date.now() - startedAt) / 1000;
    const failed = events.filter((e) => !e.ok).length;
    return { startedAt, seconds, events, requests: events.length, failed, requestsPerSecond: events.length / seconds, acknowledgedWrites, acknowledged };
  });
}

/** The id of the note in a write's 201 body, or undefined if the body is not a note. */
export function acknowledgedId(body: string): string | undefined {
  try {
    const note = JSON.parse(body) as { id?: unknown };
    return typeof note.id === 'string' && note.id !== '' ? note.id : undefined;
  } catch {
    return undefined;
  }
}

/** Requests per bucket (default 100 ms), succeeded and failed, from the start of the run. */
export function buckets(timeline: Pick<Timeline, 'events' | 'seconds'>, bucketMs = 100): { ok: number; failed: number }[] {
  const out = Array.from({ length: Math.ceil((timeline.seconds * 1000) / bucketMs) }, () => ({ ok: 0, failed: 0 }));
  for (const e of timeline.events) {
    const slot = out[Math.min(out.length - 1, Math.floor(e.atMs / bucketMs))]!;
    if (e.ok) slot.ok++;
    else slot.failed++;
  }
  return out;
}
