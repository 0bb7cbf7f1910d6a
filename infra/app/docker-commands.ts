// Docker commands as data: each function returns the argv of one `docker` command, built from the
// app's spec, berth's container policy and the values of one deployment. Nothing here runs anything; the local
// scripts and the host's user-data execute these, and tests check them as exact data.
import { type AppSpec, CONTAINER_POLICY, memoryFlag } from './spec.js';

export type Argv = readonly string[];

export type DataMount =
  | { readonly kind: 'volume'; readonly name: string }
  | { readonly kind: 'bind'; readonly hostPath: string };

export interface RunSpec {
  readonly name: string;
  readonly image: string;
  /** Host address and port the container port is published on; none when a proxy reaches it over
   * a private network instead. */
  readonly publish?: { readonly hostIp?: string; readonly hostPort: number };
  /** A user-defined Docker network to attach to (the host's private network with the proxy). */
  readonly network?: string;
  /** Plain env vars, given with -e. */
  readonly env?: Readonly<Record<string, string>>;
  /** Files of KEY=value lines, given with --env-file. */
  readonly envFiles?: readonly string[];
  /** Where the app's data lives on this machine; unused (no flag at all) when the app has no dataPath. */
  readonly data: DataMount;
  /** Container labels, e.g. which release a host deployed. */
  readonly labels?: Readonly<Record<string, string>>;
  /** Fleet mode: the container logs to this CloudWatch Logs group (awslogsPolicy); unset: json-file. */
  readonly logs?: AwsLogs;
}

/** Where a fleet host's app container logs: the stack's CloudWatch Logs group, in its region. */
export interface AwsLogs {
  readonly group: string;
  readonly region: string;
}

/** How a container logs: Docker's json-file on the host, or the awslogs driver to CloudWatch Logs. */
export type Logging =
  | { readonly driver: 'json-file'; readonly maxSize: string; readonly maxFile: number }
  | {
    readonly driver: 'awslogs';
    readonly group: string;
    readonly region: string;
    /** The `tag` template that names the stream. */
    readonly tag: string;
    readonly maxBufferSize: string;
    /** The local copy `docker logs` reads (Docker's dual logging): its files' size and number. */
    readonly cacheMaxSize: string;
    readonly cacheMaxFile: number;
  };

/**
 * A fleet host's logging: Docker's awslogs driver, as the engine of Debian trixie's docker.io
 * 26.1.5 implements it (moby v26.1.5, daemon/logger/awslogs/cloudwatchlogs.go, read for this):
 *  - mode=non-blocking. In the default blocking mode New() creates the stream before the container
 *    starts and returns its error, so a CloudWatch Logs outage (or a missing permission) fails
 *    `docker run`, and a health-gated release with it; and Log() blocks once its 4,096-message
 *    channel is full, which blocks the app's writes to stdout. Non-blocking, New() creates the
 *    stream in a goroutine, retrying with a backoff up to 32 s, and container/container.go
 *    (StartLogger) puts a ring buffer (logger.NewRingLogger) in front of the driver: the app never
 *    waits; while the stream is not yet made, lines wait in the driver's channel and then the
 *    ring, whose oldest lines are dropped when it is full. max-buffer-size: 4m (the default is
 *    1 MB, daemon/logger/ring.go). Either mode loses what CloudWatch refuses: publishBatch logs a
 *    failed PutLogEvents (after the SDK's retries) and drops that batch. `docker logs` keeps
 *    every line (below).
 *  - No awslogs-create-group: the stack makes the group with its retention (infra/components/fleet.ts),
 *    and the host role may not create groups. Streams are created by the driver (CreateLogStream;
 *    awslogs-create-stream defaults to true, and ResourceAlreadyExistsException counts as
 *    success, so a restarted container writes on in its stream). Note that 26.1.5's
 *    ValidateLogOpt does not accept awslogs-create-stream at all, though newStreamConfig reads it.
 *  - The stream is named by `tag` (newStreamConfig: loggerutils.ParseLogTag, default {{.FullID}}),
 *    a template over logger.Info: {{.Hostname}} is os.Hostname() of the daemon, i.e. the host's
 *    name (on EC2 its private DNS name, ip-10-0-1-23…, or the instance id with resource-name
 *    hostnames), and {{.Name}} the container's name when it started (the release's candidate
 *    name, berth-<app>-<release id>, or berth-<app> after a restart). So one stream per host and
 *    container, as `aws logs tail` prints it beside each line.
 *  - awslogs-region is explicit, so the driver does not ask IMDS for it. Credentials are the
 *    daemon's own: the SDK's default chain (config.LoadDefaultConfig), which on EC2 ends at the
 *    instance role through IMDS; no key in any argv. No awslogs-endpoint: the driver then uses the
 *    SDK's endpoint for the region. (AWS_ENDPOINT_URL_CLOUDWATCH_LOGS in dockerd's environment
 *    would not redirect it: the vendored cloudwatchlogs client (v1.32.0) reads it in
 *    resolveBaseEndpoint, but moby then sets o.BaseEndpoint to the awslogs-endpoint option, nil
 *    when unset, as a client option applied afterwards. Tried on a simulated host: with either
 *    variable in dockerd's environment naming an unreachable address, the driver still called
 *    logs.<region>.amazonaws.com.) The simulated host reaches its
 *    stand-in the way it reaches SSM: logs.<region>.amazonaws.com resolves there (sim/world.ts).
 *  - `docker logs` keeps working: awslogs cannot be read back, so StartLogger wraps it with the
 *    local cache (loggerutils/cache.WithLocalCache, on unless cache-disabled), the "local"
 *    driver's files; bounded here like the single host's json-file (cache-max-size, cache-max-file).
 */
export function awslogsPolicy(logs: AwsLogs): Logging {
  return {
    driver: 'awslogs',
    group: logs.group,
    region: logs.region,
    tag: '{{.Hostname}}/{{.Name}}',
    maxBufferSize: '4m',
    cacheMaxSize: CONTAINER_POLICY.logging.maxSize,
    cacheMaxFile: CONTAINER_POLICY.logging.maxFile,
  };
}

/** The --log-driver and --log-opt flags of a Logging. */
function logFlags(l: Logging): string[] {
  const opts = l.driver === 'json-file'
    ? [`max-size=${l.maxSize}`, `max-file=${l.maxFile}`]
    : [
      'mode=non-blocking', `max-buffer-size=${l.maxBufferSize}`,
      `awslogs-region=${l.region}`, `awslogs-group=${l.group}`, `tag=${l.tag}`,
      `cache-max-size=${l.cacheMaxSize}`, `cache-max-file=${l.cacheMaxFile}`,
    ];
  return ['--log-driver', l.driver, ...opts.flatMap((o) => ['--log-opt', o])];
}

export function dockerBuild(opts: {
  readonly context: string;
  /** The Dockerfile, as `docker build --file` takes it (relative to the working directory); unset: the context's Dockerfile. */
  readonly file?: string;
  readonly tag: string;
  readonly buildArgs?: Readonly<Record<string, string>>;
}): Argv {
  const args = Object.entries(opts.buildArgs ?? {}).flatMap(([k, v]) => ['--build-arg', `${k}=${v}`]);
  return ['docker', 'build', '--tag', opts.tag, ...(opts.file ? ['--file', opts.file] : []), ...args, opts.context];
}

/** A mount as berth gives it: a named volume, or a bind mount of a host path (optionally read-only). */
export type Mount =
  | { readonly kind: 'volume'; readonly name: string; readonly target: string }
  | { readonly kind: 'bind'; readonly source: string; readonly target: string; readonly readonly?: boolean };

/** Everything one `docker run` of berth's says: the app's (dockerRun) and the proxy's (infra/host/settings.ts). */
export interface ContainerRun {
  readonly name: string;
  readonly image: string;
  /** Arguments after the image; none: the image's CMD. */
  readonly command?: readonly string[];
  readonly network?: string;
  /** As --publish takes them: [HOST_IP:]HOST_PORT:CONTAINER_PORT. */
  readonly publish?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
  readonly envFiles?: readonly string[];
  readonly mounts?: readonly Mount[];
  readonly user?: string;
  readonly readOnly: boolean;
  readonly tmpfs: readonly string[];
  readonly capDrop: readonly string[];
  readonly capAdd?: readonly string[];
  readonly securityOpt: readonly string[];
  /** The memory limit as --memory takes it; swap is never allowed on top (--memory-swap equal). */
  readonly memory: string;
  readonly cpus?: number;
  readonly pids: number;
  readonly restart: string;
  /** Seconds docker stop waits after SIGTERM; unset: Docker's 10. */
  readonly stopTimeoutS?: number;
  readonly logging: Logging;
  readonly labels?: Readonly<Record<string, string>>;
}

/**
 * The one `docker run` builder. The flag order is fixed here, for every container: the proxy's
 * argv is fingerprinted into its label (a changed argv recreates the proxy on the host) and the
 * app's into its release id, so the order must not move between berth versions by accident.
 */
export function containerRun(c: ContainerRun): Argv {
  // A bind mount uses --mount, which refuses a missing source, where --volume would quietly create
  // an empty root-owned directory: on a host whose data disk failed to mount, the container must
  // not start and write its data onto the root disk.
  const mount = (m: Mount) =>
    m.kind === 'volume'
      ? ['--volume', `${m.name}:${m.target}`]
      : ['--mount', `type=bind,source=${m.source},target=${m.target}${m.readonly ? ',readonly' : ''}`];
  return [
    'docker', 'run', '--detach',
    '--name', c.name,
    ...(c.network ? ['--network', c.network] : []),
    ...(c.publish ?? []).flatMap((p) => ['--publish', p]),
    ...Object.entries(c.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(c.envFiles ?? []).flatMap((file) => ['--env-file', file]),
    ...(c.mounts ?? []).flatMap(mount),
    ...(c.user ? ['--user', c.user] : []),
    ...(c.readOnly ? ['--read-only'] : []),
    ...c.tmpfs.flatMap((path) => ['--tmpfs', path]),
    ...c.capDrop.flatMap((cap) => ['--cap-drop', cap]),
    ...(c.capAdd ?? []).flatMap((cap) => ['--cap-add', cap]),
    ...c.securityOpt.flatMap((opt) => ['--security-opt', opt]),
    '--memory', c.memory,
    // Swap equal to memory: no swap at all, so the limit is a hard cap on a host that has swap.
    '--memory-swap', c.memory,
    ...(c.cpus !== undefined ? ['--cpus', String(c.cpus)] : []),
    '--pids-limit', String(c.pids),
    '--restart', c.restart,
    ...(c.stopTimeoutS !== undefined ? ['--stop-timeout', String(c.stopTimeoutS)] : []),
    ...logFlags(c.logging),
    ...Object.entries(c.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    c.image,
    ...(c.command ?? []),
  ];
}

/** The app's `docker run`: its spec (berth:app) under berth's container policy, with one deployment's values. */
export function dockerRun(app: AppSpec, spec: RunSpec): Argv {
  const publish = spec.publish
    ? [spec.publish.hostIp ? `${spec.publish.hostIp}:${spec.publish.hostPort}:${app.port}` : `${spec.publish.hostPort}:${app.port}`]
    : [];
  // An app without a data path gets no mount at all.
  const mounts: Mount[] =
    app.dataPath === undefined
      ? []
      : [spec.data.kind === 'volume'
        ? { kind: 'volume', name: spec.data.name, target: app.dataPath }
        : { kind: 'bind', source: spec.data.hostPath, target: app.dataPath }];
  return containerRun({
    name: spec.name,
    image: spec.image,
    ...(spec.network ? { network: spec.network } : {}),
    publish,
    ...(spec.env ? { env: spec.env } : {}),
    ...(spec.envFiles ? { envFiles: spec.envFiles } : {}),
    mounts,
    user: app.user,
    readOnly: app.readOnly,
    tmpfs: CONTAINER_POLICY.tmpfs,
    capDrop: CONTAINER_POLICY.capDrop,
    securityOpt: CONTAINER_POLICY.securityOpt,
    memory: memoryFlag(app),
    cpus: app.cpus,
    pids: app.pids,
    restart: CONTAINER_POLICY.restart,
    stopTimeoutS: CONTAINER_POLICY.stopGraceS,
    logging: spec.logs ? awslogsPolicy(spec.logs) : CONTAINER_POLICY.logging,
    ...(spec.labels ? { labels: spec.labels } : {}),
  });
}

export const dockerLogs = (name: string, opts: { follow?: boolean; tail?: number } = {}): Argv => [
  'docker', 'logs',
  ...(opts.follow ? ['--follow'] : []),
  ...(opts.tail !== undefined ? ['--tail', String(opts.tail)] : []),
  name,
];

/** A shell in the running container: sh, which nearly every image has (Alpine, for one, has no bash). */
export const dockerExec = (name: string, command: readonly string[] = ['sh'], interactive = true): Argv => [
  'docker', 'exec', ...(interactive ? ['--interactive', '--tty'] : []), name, ...command,
];

export const dockerInspect = (name: string): Argv => ['docker', 'inspect', name];
export const dockerStop = (name: string): Argv => ['docker', 'stop', name];
export const dockerRemove = (name: string): Argv => ['docker', 'rm', name];

/** Renders argv as one line a person can paste into a POSIX shell. */
export function shellLine(argv: Argv): string {
  return argv.map(shellQuote).join(' ');
}

export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}
