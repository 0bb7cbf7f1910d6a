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

export function dockerRun(app: AppSpec, spec: RunSpec): Argv {
  const { logging } = CONTAINER_POLICY;
  const publish = !spec.publish
    ? []
    : ['--publish', spec.publish.hostIp
      ? `${spec.publish.hostIp}:${spec.publish.hostPort}:${app.port}`
      : `${spec.publish.hostPort}:${app.port}`];
  // A bind mount uses --mount, which refuses a missing source, where --volume would quietly create
  // an empty root-owned directory: on a host whose data disk failed to mount, the container must
  // not start and write its data onto the root disk. An app without a data path gets neither.
  const dataMount =
    app.dataPath === undefined
      ? []
      : spec.data.kind === 'volume'
        ? ['--volume', `${spec.data.name}:${app.dataPath}`]
        : ['--mount', `type=bind,source=${spec.data.hostPath},target=${app.dataPath}`];
  return [
    'docker', 'run', '--detach',
    '--name', spec.name,
    ...publish,
    ...(spec.network ? ['--network', spec.network] : []),
    ...Object.entries(spec.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
    ...(spec.envFiles ?? []).flatMap((file) => ['--env-file', file]),
    ...dataMount,
    ...Object.entries(spec.labels ?? {}).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
    '--user', app.user,
    ...(app.readOnly ? ['--read-only'] : []),
    ...CONTAINER_POLICY.tmpfs.flatMap((path) => ['--tmpfs', path]),
    ...CONTAINER_POLICY.capDrop.flatMap((cap) => ['--cap-drop', cap]),
    ...CONTAINER_POLICY.securityOpt.flatMap((opt) => ['--security-opt', opt]),
    '--memory', memoryFlag(app),
    // Swap equal to memory: no swap at all, so the limit is a hard cap on a host that has swap.
    '--memory-swap', memoryFlag(app),
    '--cpus', String(app.cpus),
    '--pids-limit', String(app.pids),
    '--restart', CONTAINER_POLICY.restart,
    '--stop-timeout', String(CONTAINER_POLICY.stopGraceS),
    '--log-driver', logging.driver,
    '--log-opt', `max-size=${logging.maxSize}`,
    '--log-opt', `max-file=${logging.maxFile}`,
    spec.image,
  ];
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
