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
  readonly logging: { readonly driver: string; readonly maxSize: string; readonly maxFile: number };
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
    '--log-driver', c.logging.driver,
    '--log-opt', `max-size=${c.logging.maxSize}`,
    '--log-opt', `max-file=${c.logging.maxFile}`,
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
    logging: CONTAINER_POLICY.logging,
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
