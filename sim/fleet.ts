// A fleet on the simulated world, as fleet mode makes it on AWS: hosts launched like the Auto
// Scaling group launches them (the same bootstrap user-data, no data volume, tagged
// berth:fleet=<stack>), each registered with the load balancer (HAProxy configured like the
// target group, sim/haproxy.ts) as it launches, and releases rolled by State Manager (the
// stand-in, sim/state-manager.ts) through one association per release that targets the tag with
// rate control (MaxConcurrency, MaxErrors), then waited for by berth's own waiter command line.
// test/e2e/fleet.test.ts and bench/fleet.ts share it.
//
// Parameter Store is regional on AWS; in the sim each host answers from a store of its own. The
// fleet keeps the region's store here and writes it whole to every live host (and to a host it
// launches), so all of them see the same parameters at the same versions.
import path from 'node:path';
import { CreateAssociationCommand, DescribeAssociationCommand, SSMClient } from '@aws-sdk/client-ssm';
import { releaseParameterNames, renderManifest, splitBundle } from '../infra/release/bundle.js';
import { RELEASE_WAIT_COMMAND, releaseWaitArgs, releaseWaitEnvironment } from '../infra/release/gate.js';
import { DEFAULT_APP } from '../infra/config/schema.js';
import type { HostSetup } from '../infra/host/settings.js';
import { type Result, check, run } from '../ops/run.js';
import { PARAMETER_PATH, RELEASE_DOCUMENT, type SimRelease, simBundle, simDocument, simParameters, simUserData } from './berth.js';
import { SimLoadBalancer } from './haproxy.js';
import { type Timeline, runTimeline } from './timeline.js';
import { StateManager } from './state-manager.js';
import { type SimHost, type SsmParameter, type World, repoRoot } from './world.js';

/** The tag fleet mode puts on its instances; the release association targets it. */
export const FLEET_TAG = 'berth:fleet';
const NAMES = releaseParameterNames(PARAMETER_PATH);

export interface FleetOptions {
  /** The stack: the tag's value. Default dev. */
  readonly stack?: string;
  /** The secret env API_KEY's value in the store. */
  readonly apiKey?: string;
  /** Milliseconds until a host's agent picks a new association up. Default 1000. */
  readonly pickupDelayMs?: number;
  /** Secrets Manager's secrets (ARN -> SecretString) the hosts' role may read, e.g. the database's. */
  readonly secrets?: Readonly<Record<string, string>>;
}

/** A fleet's release (fleet mode: no volume id in the host settings), with the fleet's database
 * (sim/fleet-database.ts) when it has one: deploy.sh then reads its secret for each release it
 * starts a container for. */
export function fleetSetup(world: World, database?: HostSetup['database']): SimRelease['setup'] {
  return { region: world.region, deviceName: '/dev/sdf', hostPort: 80, ...(database ? { database } : {}) };
}

export interface RollResult {
  /** The waiter's run: exit 0 only once every host succeeded. */
  readonly waiter: Result;
  /** Epoch ms when the waiter ended. */
  readonly waiterEnded: number;
  readonly associationId: string;
}

export class SimFleet {
  /** The hosts in service, in launch order. */
  readonly hosts: SimHost[] = [];
  readonly stack: string;
  private readonly store = new Map<string, { type: 'String' | 'SecureString'; value: string; version: number }>();
  private associations = 0;
  private secrets: Readonly<Record<string, string>>;

  private constructor(
    readonly world: World,
    readonly sm: StateManager,
    readonly lb: SimLoadBalancer,
    options: FleetOptions,
  ) {
    this.stack = options.stack ?? 'dev';
    this.secrets = options.secrets ?? {};
    for (const [name, p] of Object.entries(simParameters(world, options.apiKey ?? 'fleet-secret'))) {
      this.store.set(name, { type: p.type, value: p.value, version: (p as { version?: number }).version ?? 1 });
    }
  }

  /** State Manager, the load balancer and the stack's secrets; no host yet. */
  static async create(world: World, options: FleetOptions = {}): Promise<SimFleet> {
    const sm = await new StateManager({ region: world.region, pickupDelayMs: options.pickupDelayMs ?? 1000 }).start();
    sm.putDocument(RELEASE_DOCUMENT, JSON.stringify(simDocument()));
    const lb = await SimLoadBalancer.start({ dir: path.join(world.dir, `lb-${process.pid}`), healthPath: DEFAULT_APP.healthPath });
    return new SimFleet(world, sm, lb, options);
  }

  /** The store as a host's SSM endpoint reads it. */
  private storeForHost(): Record<string, SsmParameter> {
    return Object.fromEntries([...this.store].map(([name, p]) => [name, { type: p.type, value: p.value, version: p.version }]));
  }

  private put(name: string, value: string): number {
    const old = this.store.get(name);
    if (old?.value === value) return old.version;
    const version = (old?.version ?? 0) + 1;
    this.store.set(name, { type: 'String', value, version });
    return version;
  }

  /** What `pulumi up` publishes for a release (parts, then the manifest naming their versions), on
   * every live host's store; returns the manifest, the association's parameter. */
  async publish(r: SimRelease): Promise<string> {
    const bundle = simBundle(r);
    const values = splitBundle(bundle.base64);
    const parts = NAMES.parts.map((name, i) => ({ name, version: this.put(name, values[i]!) }));
    const manifest = renderManifest(r.setup.region, bundle, parts);
    this.put(NAMES.manifest, manifest);
    await Promise.all(this.hosts.map((h) => h.setSsmParameters(this.storeForHost())));
    return manifest;
  }

  /** The secrets the hosts' role may read from now on, on every live host and on those launched
   * later: what `pulumi up` makes of a restore (the role's policy names the restored database's
   * new RDS-managed secret, and no longer the old one's: test/infra/database-restore.test.ts).
   * A running container keeps the env it started with. */
  async setSecrets(secrets: Readonly<Record<string, string>>): Promise<void> {
    this.secrets = { ...secrets };
    await Promise.all(this.hosts.map((h) => h.setSecrets(this.secrets)));
  }

  /**
   * Launches a host as the group does: the bootstrap user-data, no volume, the fleet's tag; the
   * agent registered with State Manager and the instance with the load balancer at once (it takes
   * traffic only once its health checks pass). Resolves once its boot has ended, ok or not.
   */
  async launch(): Promise<SimHost> {
    const host = await this.world.launchHost({ userData: simUserData(this.world), ssmParameters: this.storeForHost(), secrets: this.secrets });
    this.hosts.push(host);
    this.sm.register({
      instanceId: host.instanceId,
      tags: { [FLEET_TAG]: this.stack },
      pingStatus: 'Online',
      run: async (content, parameters) => {
        const r = await host.runDocument(content, parameters);
        return { commandId: r.commandId, status: r.status, stdout: r.stdout, stderr: r.stderr };
      },
    });
    await this.lb.register(host.instanceId, host.privateIp);
    const boot = await host.waitForBoot({ timeoutMs: 300_000 });
    if (!boot.ok) throw new Error(`${host.instanceId}: boot failed: ${JSON.stringify(boot)}\n${(await host.consoleLog()).slice(-4000)}`);
    return host;
  }

  /**
   * What `pulumi up` does for a release in fleet mode: publish it, create its association (one per
   * release) targeting the fleet's tag with rate control, then run the release gate's command
   * line (npm run release:wait), which ends 0 only once the version succeeded on every host.
   */
  async release(r: SimRelease, options: { maxConcurrency?: number; maxErrors?: number; timeoutS?: number; pollS?: number } = {}): Promise<RollResult> {
    const timeoutS = options.timeoutS ?? 300;
    const manifest = await this.publish(r);
    const ssm = new SSMClient({ region: this.sm.region, endpoint: this.sm.endpoint, credentials: { accessKeyId: 'AKIASIM', secretAccessKey: 'sim' } });
    const created = await ssm.send(new CreateAssociationCommand({
      Name: RELEASE_DOCUMENT, AssociationName: `berth-fleet-release-${process.pid}-${++this.associations}`,
      Targets: [{ Key: `tag:${FLEET_TAG}`, Values: [this.stack] }], Parameters: { manifest: [manifest] },
      MaxConcurrency: String(options.maxConcurrency ?? 1), MaxErrors: String(options.maxErrors ?? 0),
    }));
    ssm.destroy();
    const associationId = created.AssociationDescription!.AssociationId!;
    const env = { ...process.env, ...this.sm.clientEnv(), BERTH_RELEASE_WAIT_POLL_S: String(options.pollS ?? 0.5) };
    const args = releaseWaitArgs(RELEASE_WAIT_COMMAND, releaseWaitEnvironment({ associationId, region: this.sm.region, timeoutS }));
    const waiter = await run(['npx', 'tsx', 'ops/release-wait.ts', ...args], { cwd: repoRoot, env, timeoutMs: (timeoutS + 60) * 1000 });
    return { waiter, waiterEnded: Date.now(), associationId };
  }

  /** DescribeAssociation's Overview, as the console shows it. */
  async overview(associationId: string): Promise<Record<string, unknown>> {
    const ssm = new SSMClient({ region: this.sm.region, endpoint: this.sm.endpoint, credentials: { accessKeyId: 'AKIASIM', secretAccessKey: 'sim' } });
    try {
      return (await ssm.send(new DescribeAssociationCommand({ AssociationId: associationId }))).AssociationDescription!.Overview as Record<string, unknown>;
    } finally {
      ssm.destroy();
    }
  }

  /** A host lost at once (docker kill of its sim container: no shutdown, its address gone). */
  async kill(host: SimHost): Promise<void> {
    await check(['docker', 'kill', host.container]);
  }

  /** What the group does with a host the load balancer finds unhealthy: deregisters and
   * terminates it (State Manager no longer targets it). `drainS` default: the target group's. */
  async terminate(host: SimHost, drainS?: number): Promise<void> {
    this.hosts.splice(this.hosts.indexOf(host), 1);
    this.sm.deregister(host.instanceId);
    await this.lb.deregister(host.instanceId, drainS);
    await host.terminate();
  }

  /** Stops the load balancer and State Manager; the world removes the hosts. */
  async close(): Promise<void> {
    await this.lb.close();
    await this.sm.close();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface UnderLoad<T> {
  readonly result: T;
  /** Every request made through the load balancer, from `leadMs` before `during` to `tailMs` after. */
  readonly load: Timeline;
  /** When `during` started and ended, in ms since the load started (the load's event times). */
  readonly duringMs: readonly [number, number];
}

/** Runs `during` under steady closed-loop load through `url` (sim/timeline.ts: keep-alive
 * connections, reads of /api/info and every tenth request a write), from `leadMs` before it to
 * `tailMs` after it ends. */
export async function underLoad<T>(url: string, during: () => Promise<T>, { leadMs = 2000, tailMs = 2000, connections = 8 } = {}): Promise<UnderLoad<T>> {
  const stop = new AbortController();
  const loading = runTimeline({ url, seconds: 900, connections, stop: stop.signal });
  const t0 = Date.now();
  await sleep(leadMs);
  const started = Date.now();
  let ended: number;
  let result!: T;
  try {
    result = await during();
  } finally {
    ended = Date.now();
    await sleep(tailMs);
    stop.abort();
  }
  const load = await loading;
  // t0 and the load's own start differ by the moment runTimeline takes to begin.
  const shift = t0 - load.startedAt;
  return { result, load, duringMs: [started - t0 + shift, ended - t0 + shift] };
}

export interface HostLoss {
  /** ms since the load started: the kill, and when the load balancer marked the host DOWN. */
  readonly killedAtMs: number;
  readonly detectedAtMs: number;
  /** The requests that failed (all of them: before the kill, none should). */
  readonly failed: number;
  /** From the kill to the last failed request's end, ms (0 without failures). */
  readonly failureWindowMs: number;
}

/** Kills `host` under load through the load balancer and watches until `observeS` after the kill. */
export async function loseHostUnderLoad(fleet: SimFleet, host: SimHost, { observeS = 20 } = {}): Promise<UnderLoad<HostLoss>> {
  let killedAt = 0;
  let detectedAt = 0;
  const run = await underLoad(fleet.lb.url, async () => {
    // From the moment the kill is sent: the host may be gone before `docker kill` returns.
    killedAt = Date.now();
    await fleet.kill(host);
    await fleet.lb.waitFor(host.instanceId, 'DOWN', 120_000);
    detectedAt = Date.now();
    await sleep(Math.max(0, killedAt + observeS * 1000 - Date.now()));
  });
  const start = run.load.startedAt;
  const failures = run.load.events.filter((e) => !e.ok);
  const killedAtMs = killedAt - start;
  return {
    ...run,
    result: {
      killedAtMs,
      detectedAtMs: detectedAt - start,
      failed: failures.length,
      failureWindowMs: failures.length ? Math.max(...failures.map((e) => e.atMs)) - killedAtMs : 0,
    },
  };
}
