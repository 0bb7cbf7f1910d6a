// The local deployment with plain `docker` (no compose), as data: which docker commands each
// `npm run local:*` step runs. ops/local.ts executes them; the README shows the same lines.
import { containerShape } from '../../infra/app/spec.js';
import {
  type Argv,
  dockerBuild,
  dockerExec,
  dockerInspect,
  dockerLogs,
  dockerRemove,
  dockerRun,
  dockerStop,
} from '../../infra/app/docker-commands.js';

export const LOCAL_COMMANDS = ['build', 'run', 'up', 'logs', 'exec', 'status', 'stop', 'rm', 'down', 'print'] as const;
export type LocalCommand = (typeof LOCAL_COMMANDS)[number];

export interface LocalOptions {
  readonly name: string;
  readonly image: string;
  readonly port: number;
  /** A host directory to bind-mount on the data directory instead of the named volume. */
  readonly bind?: string;
  /** logs, exec and status act on the compose deployment's service instead. */
  readonly compose?: boolean;
  readonly revision: string;
}

export const LOCAL_DEFAULTS: LocalOptions = {
  name: 'berth-notes',
  image: 'berth-notes:local',
  port: 8080,
  revision: 'local',
};

/** Non-secret settings for the local container; real secrets never go in a committed file. */
export const LOCAL_ENV_FILE = 'local.env';

/** compose.yaml's service; docker compose finds the project from the directory or COMPOSE_PROJECT_NAME. */
export const COMPOSE_SERVICE = 'notes';
export const COMPOSE_COMMANDS = ['logs', 'exec', 'status'] as const;

export class UsageError extends Error {}

export function parseLocalArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>) {
  const [command, ...rest] = argv;
  if (!command || !(LOCAL_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `local: ${command ? `unknown command '${command}'` : 'no command given'}; use one of ${LOCAL_COMMANDS.join(', ')}`,
    );
  }
  let options: LocalOptions = { ...LOCAL_DEFAULTS, port: parsePort(env.BERTH_HOST_PORT ?? '8080', 'BERTH_HOST_PORT') };
  for (let i = 0; i < rest.length; i++) {
    const flag = rest[i];
    const value = rest[i + 1];
    const need = () => {
      if (value === undefined || value.startsWith('--')) throw new UsageError(`local: ${flag} needs a value`);
      i++;
      return value;
    };
    switch (flag) {
      case '--port':
        options = { ...options, port: parsePort(need(), '--port') };
        break;
      case '--name':
        options = { ...options, name: parseName(need()) };
        break;
      case '--image':
        options = { ...options, image: need() };
        break;
      case '--bind': {
        const dir = need();
        if (!dir.startsWith('/')) throw new UsageError(`local: --bind needs an absolute host path; got '${dir}'`);
        options = { ...options, bind: dir };
        break;
      }
      case '--compose':
        if (!(COMPOSE_COMMANDS as readonly string[]).includes(command)) {
          throw new UsageError(`local: --compose works with ${COMPOSE_COMMANDS.join(', ')}; for the rest use docker compose itself (up --build, down)`);
        }
        options = { ...options, compose: true };
        break;
      default:
        throw new UsageError(`local: unknown option '${flag}'; options are --port N, --name NAME, --image TAG, --bind /abs/dir, --compose`);
    }
  }
  return { command: command as LocalCommand, options };
}

/** 0 asks Docker for any free port (see `docker port NAME`). */
function parsePort(raw: string, what: string): number {
  const port = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 0 && port <= 65535)) {
    throw new UsageError(`local: ${what} must be a port from 1 to 65535, or 0 for any free port; got '${raw}'`);
  }
  return port;
}

function parseName(raw: string): string {
  if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$/.test(raw)) {
    throw new UsageError(`local: --name must be letters, digits, '_', '.' or '-' (a container name); got '${raw}'`);
  }
  return raw;
}

export const localVolume = (o: LocalOptions) => `${o.name}-data`;

export function localPlan(command: LocalCommand, o: LocalOptions): Argv[] {
  const build = dockerBuild({ context: 'app', tag: o.image, buildArgs: { REVISION: o.revision } });
  const run = dockerRun(containerShape, {
    name: o.name,
    image: o.image,
    // Published on loopback only: a local server is for this machine, not its network.
    publish: { hostIp: '127.0.0.1', hostPort: o.port },
    env: { LOG_LEVEL: 'info' },
    envFiles: [LOCAL_ENV_FILE],
    data: o.bind ? { kind: 'bind', hostPath: o.bind } : { kind: 'volume', name: localVolume(o) },
  });
  if (o.compose) {
    // The twins of logs, exec and status for the compose deployment (status resolves the
    // service's container, then inspects it like the plain one).
    if (command === 'logs') return [['docker', 'compose', 'logs', '--follow', COMPOSE_SERVICE]];
    if (command === 'exec') return [['docker', 'compose', 'exec', COMPOSE_SERVICE, 'sh']];
    if (command === 'status') return [['docker', 'compose', 'ps', '--quiet', COMPOSE_SERVICE]];
  }
  switch (command) {
    case 'build':
      return [build];
    case 'run':
      return [run];
    case 'up':
      return [build, run];
    case 'logs':
      return [dockerLogs(o.name, { follow: true })];
    case 'exec':
      return [dockerExec(o.name)];
    case 'status':
      return [dockerInspect(o.name)];
    case 'stop':
      return [dockerStop(o.name)];
    case 'rm':
      return [dockerRemove(o.name)];
    case 'down':
      return [dockerStop(o.name), dockerRemove(o.name)];
    case 'print':
      return [build, run, dockerLogs(o.name, { follow: true }), dockerExec(o.name), dockerStop(o.name), dockerRemove(o.name)];
  }
}
