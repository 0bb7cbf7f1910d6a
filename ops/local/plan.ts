// The local deployment with plain `docker` (no compose), as data: which docker commands each
// `npm run local:*` step runs. ops/local.ts executes them; the README shows the same lines. The app
// is the stack's (`--stack NAME`: Pulumi.NAME.yaml's berth:app, through the program's own
// validator), or the default app: what runs locally is what runs on the host.
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type AppSpec, containerName } from '../../infra/app/spec.js';
import { type AppFiles, APP_CONFIG_KEY, validateAppSpec } from '../../infra/config/app-spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
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
  /** The app: the stack's berth:app with --stack, else the default (the notes server). */
  readonly app: AppSpec;
  readonly name: string;
  readonly image: string;
  readonly port: number;
  /** A host directory to bind-mount on the data directory instead of the named volume. */
  readonly bind?: string;
  /** logs, exec and status act on the compose deployment's service instead. */
  readonly compose?: boolean;
  readonly revision: string;
}

/** The options for an app when no flag says otherwise: its container name, a local tag, its own port. */
export const localDefaults = (app: AppSpec): LocalOptions => ({
  app,
  name: containerName(app),
  image: `${containerName(app)}:local`,
  port: app.port,
  revision: 'local',
});

export const LOCAL_DEFAULTS: LocalOptions = localDefaults(DEFAULT_APP);

/** Non-secret settings for the local container; real secrets never go in a committed file. */
export const LOCAL_ENV_FILE = 'local.env';

/** compose.yaml's service; docker compose finds the project from the directory or COMPOSE_PROJECT_NAME. */
export const COMPOSE_SERVICE = 'notes';
export const COMPOSE_COMMANDS = ['logs', 'exec', 'status'] as const;

export class UsageError extends Error {}

/**
 * The command and its options. `loadApp` reads a stack's app (ops/local.ts: from Pulumi.NAME.yaml,
 * appFromStackFile); flags win over what the app implies, wherever they stand.
 */
export function parseLocalArgs(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
  loadApp: (stack: string) => AppSpec = () => {
    throw new UsageError('local: --stack is not available here');
  },
) {
  const [command, ...rest] = argv;
  if (!command || !(LOCAL_COMMANDS as readonly string[]).includes(command)) {
    throw new UsageError(
      `local: ${command ? `unknown command '${command}'` : 'no command given'}; use one of ${LOCAL_COMMANDS.join(', ')}`,
    );
  }
  const stackAt = rest.indexOf('--stack');
  const stack = stackAt >= 0 ? rest[stackAt + 1] : undefined;
  if (stackAt >= 0 && (stack === undefined || !/^[\w.-]+$/.test(stack))) {
    throw new UsageError(`local: --stack needs a stack name whose config file is Pulumi.<name>.yaml, such as dev; got '${stack ?? ''}'`);
  }
  const app = stack === undefined ? DEFAULT_APP : loadApp(stack);
  const defaults = localDefaults(app);
  let options: LocalOptions = { ...defaults, port: parsePort(env.BERTH_HOST_PORT ?? String(defaults.port), 'BERTH_HOST_PORT') };
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
      case '--stack':
        need();
        break;
      case '--bind': {
        const dir = need();
        if (!dir.startsWith('/')) throw new UsageError(`local: --bind needs an absolute host path; got '${dir}'`);
        if (app.dataPath === undefined) throw new UsageError('local: --bind needs an app with a data path; this one has none (berth:app.dataPath is "")');
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
        throw new UsageError(`local: unknown option '${flag}'; options are --stack NAME, --port N, --name NAME, --image TAG, --bind /abs/dir, --compose`);
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

/** The app of a stack, from its config file's text (Pulumi.<stack>.yaml), validated as the program
 * validates it; `files` answers relative to the project directory. */
export function appFromStackFile(stack: string, yamlText: string, files: AppFiles): AppSpec {
  let config: unknown;
  try {
    config = (parseYaml(yamlText) as { config?: unknown } | null)?.config;
  } catch (err) {
    throw new UsageError(`local: Pulumi.${stack}.yaml is not YAML: ${(err as Error).message.split('\n')[0]}`);
  }
  const value = config && typeof config === 'object' ? (config as Record<string, unknown>)[APP_CONFIG_KEY] : undefined;
  // The stack file holds an object set with --path as YAML; the program receives it as JSON.
  const text = value === undefined || value === null ? undefined : typeof value === 'string' ? value : JSON.stringify(value);
  const { app, problems } = validateAppSpec(text, files);
  if (problems.length > 0) throw new UsageError(`local: Pulumi.${stack}.yaml: ${problems.join('\n  ')}`);
  return app;
}

export const localVolume = (o: LocalOptions) => `${o.name}-data`;

export function localPlan(command: LocalCommand, o: LocalOptions): Argv[] {
  const { app } = o;
  const build = dockerBuild({
    context: app.context,
    // docker build's --file is relative to the working directory (the repository root), like the context.
    ...(app.dockerfile === 'Dockerfile' ? {} : { file: path.posix.join(app.context, app.dockerfile) }),
    tag: o.image,
    buildArgs: { REVISION: o.revision },
  });
  const run = dockerRun(app, {
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
