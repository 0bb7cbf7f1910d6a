// npm run bench: measures berth's image and container against baselines built in the same run,
// prints a table and writes bench/results.json. Needs the Docker engine, the stand-in (or real)
// base image, wrk (Debian: apt-get install wrk) and PostgreSQL (apt-get install postgresql). All traffic goes to loopback.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dockerRun } from '../infra/app/docker-commands.js';
import { CADDY_IMAGE } from '../infra/host/caddy.js';
import { NOTES_HEALTHCHECK, memoryFlag } from '../infra/app/spec.js';
import { DEFAULT_APP } from '../infra/config/schema.js';
import { benchHost } from './host.js';
import { benchStores } from './stores.js';
import { benchFleet } from './fleet.js';
import { benchRestore } from './restore.js';
import { checkSync, runSync } from '../ops/run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const id = `${process.pid}-${Date.now().toString(36)}`;
const tag = (what: string) => `berth-bench-${what}:${id}`;
const containers: string[] = [];
const images: string[] = [];
const volumes: string[] = [];
const work = mkdtempSync(path.join(os.tmpdir(), 'berth-bench-'));

const sh = (argv: string[], opts: { cwd?: string } = {}): string => checkSync(argv, { cwd: opts.cwd ?? root });
const docker = (...args: string[]) => sh(['docker', ...args]);
const seconds = (fn: () => void) => {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
};
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
const sleep = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function baseImage(): string {
  return /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(path.join(root, 'app/Dockerfile'), 'utf8'))![1]!;
}
const imageBytes = (image: string) => Number(docker('image', 'inspect', '--format', '{{.Size}}', image).trim());

function build(image: string, context: string, extra: string[] = []): number {
  images.push(image);
  return seconds(() => docker('build', '--quiet', '--tag', image, ...extra, context));
}

/** Runs an image the way berth does (the default app's flags), published on a loopback port. */
function runBerth(image: string, name: string): string {
  const volume = `${name}-data`;
  containers.push(name);
  volumes.push(volume);
  const [, ...args] = dockerRun(DEFAULT_APP, {
    name, image, publish: { hostIp: '127.0.0.1', hostPort: 0 }, data: { kind: 'volume', name: volume },
  });
  docker(...args);
  return docker('port', name, String(DEFAULT_APP.port)).split('\n')[0]!.trim();
}

function runPlain(image: string, name: string, extra: string[] = []): string {
  containers.push(name);
  docker('run', '--detach', '--name', name, '--publish', `127.0.0.1:0:${DEFAULT_APP.port}`,
    '--memory', memoryFlag(DEFAULT_APP), '--cpus', String(DEFAULT_APP.cpus), ...extra, image);
  return docker('port', name, String(DEFAULT_APP.port)).split('\n')[0]!.trim();
}

function curlStatus(url: string): number {
  return Number(runSync(['curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', '--max-time', '1', url]).stdout || 0);
}

function waitStatus(url: string, timeoutMs = 30_000): void {
  const deadline = Date.now() + timeoutMs;
  while (curlStatus(url) !== 200) {
    if (Date.now() > deadline) throw new Error(`${url} never answered 200`);
    sleep(5);
  }
}

function wrk(url: string, script?: string): number {
  const args = ['-t1', '-c32', '-d8s', '--latency'];
  if (script) args.push('-s', script);
  const out = sh(['wrk', ...args, url]);
  const errors = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  if (errors) throw new Error(`wrk saw ${errors[1]} failed responses from ${url}`);
  return Number(/Requests\/sec:\s+([\d.]+)/.exec(out)![1]);
}

const results: Record<string, number | string> = {};
const notes: Record<string, string> = {};
function record(key: string, value: number, note: string) {
  results[key] = value;
  notes[key] = note;
  process.stdout.write(`  ${key.padEnd(34)} ${String(value).padStart(10)}   ${note}\n`);
}

try {
  const base = baseImage();
  process.stdout.write(`berth bench on ${os.cpus().length} × ${os.cpus()[0]?.model}, base ${base}\n\n`);

  // --- image: size and build times, from a copy of app/ so a source edit touches nothing here.
  const context = path.join(work, 'app');
  cpSync(path.join(root, 'app'), context, { recursive: true, filter: (src) => !/node_modules|dist/.test(src) });
  const app = tag('app');
  const cold = build(app, context, ['--no-cache']);
  // One unchanged build first: what a developer meets is the warm cache this leaves.
  const unchanged = build(tag('app1'), context);
  appendFileSync(path.join(context, 'src/server.ts'), `\nexport const benchChange = '${id}';\n`);
  const rebuild = build(tag('app2'), context);
  const naive = tag('naive');
  build(naive, context, ['--file', path.join(root, 'bench/naive/Dockerfile')]);
  // A lockfile change (a dependency removed): npm ci runs again in both; berth's finds the
  // packages in its BuildKit cache mount, the naive build (no cache mount) downloads them all.
  sh(['npm', 'uninstall', '--package-lock-only', '--no-audit', '--no-fund', 'typescript'], { cwd: context });
  const lockRebuild = build(tag('app3'), context);
  const lockRebuildNaive = build(tag('naive2'), context, ['--file', path.join(root, 'bench/naive/Dockerfile')]);
  const hello = tag('hello');
  build(hello, path.join(root, 'bench/hello'));
  const baseBytes = imageBytes(base);
  record('image_app_layers_mb', round((imageBytes(app) - baseBytes) / 1e6), 'what app/Dockerfile adds on top of the base (target ≤ 20)');
  record('image_naive_app_layers_mb', round((imageBytes(naive) - baseBytes) / 1e6), 'baseline: single stage, dev deps and sources in');
  record('build_cold_s', round(cold), 'docker build --no-cache, base image present (BuildKit keeps the npm cache mount across builds, so packages may come from it)');
  record('rebuild_after_no_cache_s', round(unchanged), 'first unchanged rebuild after --no-cache (BuildKit: every layer cached)');
  record('rebuild_source_change_s', round(rebuild), 'rebuild after a source-only edit, warm cache (target ≤ 5)');
  record('rebuild_lockfile_change_s', round(lockRebuild), 'rebuild after a lockfile change: npm ci again, packages from the cache mount');
  record('rebuild_lockfile_change_naive_s', round(lockRebuildNaive), 'baseline: the same change, single stage without a cache mount (downloads every package)');

  // --- start and stop, 5 times each.
  const starts: number[] = [];
  const dockerHealthy: number[] = [];
  const stops: number[] = [];
  for (let i = 0; i < 5; i++) {
    const name = `berth-bench-start-${id}-${i}`;
    const t0 = performance.now();
    const address = runBerth(app, name);
    waitStatus(`http://${address}${DEFAULT_APP.healthPath}`);
    starts.push(performance.now() - t0);
    while (docker('inspect', '--format', '{{.State.Health.Status}}', name).trim() !== 'healthy') sleep(20);
    dockerHealthy.push(performance.now() - t0);
    stops.push(seconds(() => docker('stop', name)) * 1000);
  }
  record('start_to_healthy_ms', Math.round(median(starts)), 'docker run → /healthz 200 on the published port, median of 5 (target ≤ 1500)');
  record('start_to_docker_healthy_ms', Math.round(median(dockerHealthy)), `docker run → Docker's "healthy" (first check after the ${NOTES_HEALTHCHECK.intervalS} s interval)`);
  record('stop_ms', Math.round(median(stops)), 'docker stop on an idle container, median of 5 (target ≤ 1000)');
  const naiveName = `berth-bench-naive-${id}`;
  const naiveAddress = runPlain(naive, naiveName, ['--volume', `${naiveName}-data:/data`]);
  volumes.push(`${naiveName}-data`);
  waitStatus(`http://${naiveAddress}${DEFAULT_APP.healthPath}`);
  record('stop_ms_naive', Math.round(seconds(() => docker('stop', naiveName)) * 1000), 'baseline: shell-form CMD, SIGTERM never reaches the app');

  // --- throughput, with the default app's limits (1 CPU, 256 MiB), wrk on loopback, 32 connections, 8 s.
  const served = runBerth(app, `berth-bench-rps-${id}`);
  waitStatus(`http://${served}${DEFAULT_APP.healthPath}`);
  for (let i = 0; i < 20; i++) {
    sh(['curl', '-s', '-o', '/dev/null', '-H', 'content-type: application/json', '-d', JSON.stringify({ title: `note ${i}`, body: 'x'.repeat(200) }), `http://${served}/api/notes`]);
  }
  const helloAddress = runPlain(hello, `berth-bench-hello-${id}`, ['--user', DEFAULT_APP.user]);
  waitStatus(`http://${helloAddress}/`);
  const post = path.join(work, 'post.lua');
  writeFileSync(post, `wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.body = '${JSON.stringify({ title: 'bench', body: 'x'.repeat(200) })}'\n`);
  // Interleaved, hello then GET, three rounds: this machine's speed drifts between runs, so a ratio
  // is only a ratio of two numbers measured side by side. The median round is reported.
  const rounds: Array<{ hi: number; get: number; ratio: number }> = [];
  for (let i = 0; i < 3; i++) {
    const hi = wrk(`http://${helloAddress}/`);
    const get = wrk(`http://${served}/api/notes`);
    rounds.push({ hi, get, ratio: get / hi });
  }
  const postRps = wrk(`http://${served}/api/notes`, post);
  const ratios = rounds.map((r) => r.ratio);
  const mid = rounds.find((r) => r.ratio === median(ratios))!;
  const span = `min ${round(Math.min(...ratios), 2)}, max ${round(Math.max(...ratios), 2)} over ${rounds.length} interleaved rounds`;
  record('rps_node_http_hello', Math.round(mid.hi), 'ceiling: bare node:http hello world, same base and limits (the median round)');
  record('rps_get_notes', Math.round(mid.get), 'GET /api/notes listing 20 notes, same round (a stat per request; files re-read when the directory changes)');
  record('rps_post_notes', Math.round(postRps), 'POST /api/notes, each fsynced before the 201');
  record('get_vs_hello_ratio', round(median(ratios), 2), `median of hello/GET pairs run side by side (${span}); target ≥ 0.5`);
  record('get_vs_hello_ratio_min', round(Math.min(...ratios), 2), 'the lowest of those rounds');
  record('get_vs_hello_ratio_max', round(Math.max(...ratios), 2), 'the highest of those rounds');

  // --- the notes API on each store (file, PostgreSQL), as plain processes side by side.
  await benchStores(record, wrk, post);

  // --- the EC2 host, simulated: the user-data berth renders, booted, rebooted, redeployed.
  await benchHost(app, tag('app2'), record, path.join(root, 'bench/release.svg'));

  // --- fleet mode, simulated: three hosts behind a load balancer, a rolling release, a host lost.
  await benchFleet(app, tag('app2'), record);

  // --- backups, simulated: a snapshot of the data volume under load, restored on a new host.
  await benchRestore(app, record);

  const out = {
    machine: {
      cpus: `${os.cpus().length} × ${os.cpus()[0]?.model}`,
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      kernel: os.release(),
      docker: docker('version', '--format', '{{.Server.Version}}').trim(),
      builder: `BuildKit (buildx ${/v?(\d+\.\d+\.\d+)/.exec(sh(['docker', 'buildx', 'version']))?.[1] ?? 'unknown'})`,
      compose: sh(['docker', 'compose', 'version', '--short']).trim(),
      proxy: `${CADDY_IMAGE} (${docker('image', 'inspect', '--format', '{{index .Config.Labels "berth.standin"}}', CADDY_IMAGE).trim() || 'as pulled'})`,
      simHostEngine: sh(['docker', 'run', '--rm', '--entrypoint', 'dockerd', 'berth-sim-host:bookworm', '--version']).trim(),
      storage: docker('info', '--format', '{{.Driver}}').trim(),
      baseImage: `${base} (${docker('image', 'inspect', '--format', '{{index .Config.Labels "berth.standin"}}', base).trim() || 'as pulled'})`,
    },
    measuredAt: new Date().toISOString(),
    results,
    notes,
  };
  writeFileSync(path.join(root, 'bench/results.json'), `${JSON.stringify(out, null, 2)}\n`);
  process.stdout.write('\nwrote bench/results.json\n');
} finally {
  if (containers.length) runSync(['docker', 'rm', '--force', ...containers]);
  if (volumes.length) runSync(['docker', 'volume', 'rm', '--force', ...volumes]);
  if (images.length) runSync(['docker', 'image', 'rm', '--force', ...images]);
  rmSync(work, { recursive: true, force: true });
}
