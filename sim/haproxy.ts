// The fleet's load balancer in the simulated world: Debian's HAProxy, configured like the target
// group berth gives the Application Load Balancer (infra/aws/target-group.ts): each host's proxy
// port health-checked with GET <healthPath> every intervalS, healthyThreshold passes to bring a
// target in and unhealthyThreshold failures to take it out, round robin, keep-alive connections
// to the targets, and deregistration as a drain of deregistrationDelayS.
//
// It runs as a process of this machine, whose network namespace holds the world network's bridge
// (the hosts' private addresses are reachable from here, sim/world.ts), listening on a loopback
// port: traffic to the fleet goes through it, host to host through the world network, as an ALB's
// nodes in the VPC reach the instances' private addresses.
//
// Targets are registered at run time (HAProxy's admin socket: `add server`, `enable health`,
// `enable server`), as the Auto Scaling group registers an instance when it launches. A new target
// starts DOWN and carries traffic only after healthyThreshold passing checks: the ALB's rule
// ("After your target is registered, it must pass one health check to be considered healthy",
// Elastic Load Balancing, Health checks for your target groups) is met with room to spare; the sim
// is stricter (2 checks, not 1), never laxer.
//
// Where HAProxy is not the ALB, and this sim does not pretend otherwise:
//   - no retries (`retries 0`, no redispatch): an ALB answers 502 when a target refuses or resets
//     the connection and 504 after its 10 s connection timeout; it does not retry elsewhere, so
//     neither does this, and a lost host shows as the failures a client would see;
//   - all targets unhealthy: the ALB fails open (routes to all of them); HAProxy answers 503;
//   - one node, not one per zone.
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { waitFor } from '../ops/run.js';
import { TARGET_GROUP, type TargetGroupSpec, targetGroupProblems } from '../infra/aws/target-group.js';
import { freePort } from './net.js';

const BACKEND = 'targets';

/** One target as HAProxy's `show stat` reports it. */
export interface TargetState {
  readonly name: string;
  readonly address: string;
  /** UP, DOWN, MAINT, DRAIN, or a transition like "UP 1/2" (going down) or "DOWN 1/2" (coming up). */
  readonly status: string;
  /** Requests sent to it so far (lbtot: times the balancer chose it). */
  readonly requests: number;
  /** The last check's result, e.g. L7OK, L4TOUT, L4CON. */
  readonly checkStatus: string;
}

export interface LoadBalancerOptions {
  /** Where its config, admin socket and log go. */
  readonly dir: string;
  /** The app's health path, checked through each host's proxy port. */
  readonly healthPath: string;
  /** The port each host's proxy publishes (HostSetup.hostPort). Default 80. */
  readonly targetPort?: number;
  readonly targetGroup?: TargetGroupSpec;
}

/** The HAProxy config for a target group, as data in, text out. */
export function renderHaproxyConfig(o: { listenPort: number; adminSocket: string; healthPath: string; targetGroup?: TargetGroupSpec }): string {
  const tg = o.targetGroup ?? TARGET_GROUP;
  if (!o.healthPath.startsWith('/')) throw new Error(`healthPath must start with /; got ${JSON.stringify(o.healthPath)}`);
  const problems = targetGroupProblems(tg);
  if (problems.length > 0) throw new Error(`the target group: ${problems.join('; ')}`);
  return [
    'global',
    `  stats socket ${o.adminSocket} mode 600 level admin`,
    '  maxconn 4096',
    'defaults',
    '  mode http',
    // The connect timeout is the health check's timeout: HAProxy gives a check's connection
    // min(timeout connect, inter) to open (configuration.txt, "timeout check"), and a check must
    // end within the target group's timeout, connection included, as the ALB's does. Requests get
    // the same 3 s to connect where an ALB waits 10 s before its 504: a request sent to a host that
    // is gone fails sooner here, no less surely. The ALB's idle timeout is 60 s.
    `  timeout connect ${tg.healthCheck.timeoutS}s`,
    '  timeout client 60s',
    '  timeout server 60s',
    '  timeout http-keep-alive 60s',
    '  retries 0',
    'frontend alb',
    `  bind 127.0.0.1:${o.listenPort}`,
    `  default_backend ${BACKEND}`,
    `backend ${BACKEND}`,
    `  balance ${tg.loadBalancingAlgorithm === 'round_robin' ? 'roundrobin' : 'leastconn'}`,
    // Keep-alive to the targets, reused across client connections where safe.
    '  http-reuse safe',
    '  option httpchk',
    `  http-check send meth GET uri ${o.healthPath} ver HTTP/1.1 hdr Host berth-health-check`,
    `  http-check expect status ${tg.healthCheck.matcher}`,
    `  timeout check ${tg.healthCheck.timeoutS}s`,
    '',
  ].join('\n');
}

export class SimLoadBalancer {
  /** http://127.0.0.1:<port>: the load balancer's listener. */
  url = '';
  private child: ChildProcess | undefined;
  private adminSocket = '';
  private readonly targetPort: number;
  private readonly tg: TargetGroupSpec;

  private constructor(private readonly options: LoadBalancerOptions) {
    this.targetPort = options.targetPort ?? 80;
    this.tg = options.targetGroup ?? TARGET_GROUP;
  }

  static async start(options: LoadBalancerOptions): Promise<SimLoadBalancer> {
    const lb = new SimLoadBalancer(options);
    await lb.launch();
    return lb;
  }

  private async launch(): Promise<void> {
    await mkdir(this.options.dir, { recursive: true });
    const port = await freePort();
    this.adminSocket = path.join(this.options.dir, 'admin.sock');
    const config = path.join(this.options.dir, 'haproxy.cfg');
    await writeFile(config, renderHaproxyConfig({ listenPort: port, adminSocket: this.adminSocket, healthPath: this.options.healthPath, targetGroup: this.tg }));
    const log = createWriteStream(path.join(this.options.dir, 'haproxy.log'));
    // -db: in the foreground, so this process owns it (and stops it by its pid).
    this.child = spawn('haproxy', ['-db', '-f', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.pipe(log);
    this.child.stderr!.pipe(log);
    const exited = new Promise<never>((_, reject) => this.child!.once('exit', (code) => reject(new Error(`haproxy exited (${code}) at start: see ${path.join(this.options.dir, 'haproxy.log')}`))));
    exited.catch(() => undefined);
    this.url = `http://127.0.0.1:${port}`;
    await Promise.race([exited, waitFor('haproxy to answer on its admin socket', async () => ((await this.admin('show info').catch(() => '')).includes('Name: HAProxy') || undefined), { timeoutMs: 15_000, intervalMs: 100 })]);
  }

  /** One command on the admin socket; its answer. */
  admin(command: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection(this.adminSocket);
      let out = '';
      socket.setEncoding('utf8');
      socket.on('connect', () => socket.end(`${command}\n`));
      socket.on('data', (d: string) => (out += d));
      socket.on('end', () => resolve(out));
      socket.on('error', reject);
    });
  }

  private async must(command: string, ok: (answer: string) => boolean = (a) => a.trim() === ''): Promise<void> {
    const answer = await this.admin(command);
    if (!ok(answer)) throw new Error(`haproxy refused "${command}": ${answer.trim()}`);
  }

  /**
   * RegisterTargets: the target starts DOWN and takes traffic once healthyThreshold checks of its
   * health path, through its proxy port, have passed.
   */
  async register(name: string, address: string): Promise<void> {
    const hc = this.tg.healthCheck;
    // HAProxy schedules a check `inter` after the previous one ended, and `fastinter` after it
    // while the server is between states: interval - timeout keeps failing checks an interval
    // apart from start to start, as the ALB's are.
    // HAProxy puts a server leaving maintenance UP at once (its log: "UP/READY (leaving forced
    // maintenance)"), whatever its health was set to before: so it is added with weight 0 (no
    // traffic), taken out of maintenance, forced DOWN, and only then given its weight. From there
    // it is UP, and takes traffic, after healthyThreshold passing checks, and not before.
    await this.must(
      `add server ${BACKEND}/${name} ${address}:${this.targetPort} weight 0 check inter ${hc.intervalS}s fastinter ${hc.intervalS - hc.timeoutS}s rise ${hc.healthyThreshold} fall ${hc.unhealthyThreshold}`,
      (a) => a.includes('New server registered'),
    );
    await this.must(`enable health ${BACKEND}/${name}`);
    await this.must(`enable server ${BACKEND}/${name}`);
    await this.must(`set server ${BACKEND}/${name} health down`);
    await this.must(`set server ${BACKEND}/${name} weight 1`);
  }

  /**
   * DeregisterTargets: no new requests go to the target (drain); after the deregistration delay
   * its remaining connections are closed and it is removed. Resolves when it is gone.
   */
  async deregister(name: string, delayS: number = this.tg.deregistrationDelayS): Promise<void> {
    await this.must(`set server ${BACKEND}/${name} state drain`);
    await new Promise((r) => setTimeout(r, delayS * 1000));
    await this.must(`set server ${BACKEND}/${name} state maint`);
    await this.admin(`shutdown sessions server ${BACKEND}/${name}`);
    // del server waits for the server's idle connections to close; it may take a moment.
    await waitFor(`haproxy to delete ${name}`, async () => ((await this.admin(`del server ${BACKEND}/${name}`)).includes('Server deleted') || undefined), { timeoutMs: 30_000, intervalMs: 500 });
  }

  /** The targets and their states (show stat). */
  async targets(): Promise<TargetState[]> {
    const csv = await this.admin('show stat');
    const [header, ...rows] = csv.split('\n').filter((l) => l.trim() !== '');
    const fields = header!.replace(/^# /, '').split(',');
    const at = (name: string) => fields.indexOf(name);
    return rows
      .map((r) => r.split(','))
      .filter((c) => c[at('pxname')] === BACKEND && !['BACKEND', 'FRONTEND'].includes(c[at('svname')]!))
      .map((c) => ({
        name: c[at('svname')]!,
        address: c[at('addr')] ?? '',
        status: c[at('status')]!,
        requests: Number(c[at('lbtot')]),
        checkStatus: c[at('check_status')] ?? '',
      }));
  }

  /** Waits until the target's status is `status` (UP, DOWN, ...). */
  async waitFor(name: string, status: string, timeoutMs = 60_000): Promise<TargetState> {
    return waitFor(`${name} to be ${status} behind the load balancer`, async () => (await this.targets()).find((t) => t.name === name && t.status === status), { timeoutMs, intervalMs: 200 });
  }

  /** HAProxy's own log (start-up warnings, state changes). */
  log(): Promise<string> {
    return readFile(path.join(this.options.dir, 'haproxy.log'), 'utf8').catch(() => '');
  }

  /** Stops HAProxy (the process this started, by its pid). */
  async close(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null) return;
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}
