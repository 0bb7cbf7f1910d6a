import { describe, expect, it } from 'vitest';
import { dockerExec, dockerRun, shellLine } from '../../infra/app/docker-commands.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { appFromStackFile, localPlan, LOCAL_DEFAULTS, parseLocalArgs } from '../../ops/local/plan.js';
import type { AppFiles } from '../../infra/config/app-spec.js';

const run = dockerRun(DEFAULT_APP, {
  name: 'notes',
  image: 'berth-notes:1',
  publish: { hostIp: '127.0.0.1', hostPort: 9000 },
  env: { LOG_LEVEL: 'debug', GREETING: 'hi there' },
  envFiles: ['app.env'],
  data: { kind: 'volume', name: 'notes-data' },
});

/** The values each flag is given, in order: flagValues(argv, '--env') → ['A=1', ...]. */
const flagValues = (argv: readonly string[], flag: string) =>
  argv.flatMap((word, i) => (word === flag ? [argv[i + 1]] : []));

describe('docker run is built from the app\'s spec and berth\'s policy', () => {
  it('publishes the container port on the host port and address asked for', () => {
    expect(flagValues(run, '--publish')).toEqual(['127.0.0.1:9000:8080']);
  });

  it('passes env with -e and env files with --env-file', () => {
    expect(flagValues(run, '--env')).toEqual(['LOG_LEVEL=debug', 'GREETING=hi there']);
    expect(flagValues(run, '--env-file')).toEqual(['app.env']);
  });

  it('mounts the volume, or a bind-mounted host directory, on the data directory', () => {
    expect(flagValues(run, '--volume')).toEqual(['notes-data:/data']);
    const bind = dockerRun(DEFAULT_APP, {
      name: 'n', image: 'i', publish: { hostPort: 80 }, data: { kind: 'bind', hostPath: '/srv/notes' },
    });
    // --mount, not --volume: a missing host directory is an error, never silently created.
    expect(flagValues(bind, '--mount')).toEqual(['type=bind,source=/srv/notes,target=/data']);
    expect(flagValues(bind, '--volume')).toEqual([]);
    expect(flagValues(bind, '--publish')).toEqual(['80:8080']);
  });

  it('runs hardened, limited, as the unprivileged user, with rotated logs and a restart policy', () => {
    expect(run).toContain('--read-only');
    expect(flagValues(run, '--tmpfs')).toEqual(['/tmp']);
    expect(flagValues(run, '--cap-drop')).toEqual(['ALL']);
    expect(flagValues(run, '--cap-add')).toEqual([]);
    expect(run).not.toContain('--privileged');
    expect(flagValues(run, '--security-opt')).toEqual(['no-new-privileges:true']);
    expect(flagValues(run, '--user')).toEqual(['1000:1000']);
    expect(flagValues(run, '--memory')).toEqual(['256m']);
    expect(flagValues(run, '--memory-swap')).toEqual(['256m']); // no swap: a hard cap
    expect(flagValues(run, '--cpus')).toEqual(['1']);
    expect(flagValues(run, '--pids-limit')).toEqual(['100']);
    expect(flagValues(run, '--restart')).toEqual(['unless-stopped']);
    expect(flagValues(run, '--log-opt')).toEqual(['max-size=10m', 'max-file=3']);
  });

  it('ends with the image, so every flag is docker run\'s and none is the app\'s', () => {
    expect(run.slice(0, 3)).toEqual(['docker', 'run', '--detach']);
    expect(run.at(-1)).toBe('berth-notes:1');
  });

  it('renders a line a shell reads back into the same words', () => {
    expect(shellLine(['docker', 'run', '--env', "GREETING=it's here", '--env', 'A=b c'])).toBe(
      `docker run --env 'GREETING=it'\\''s here' --env 'A=b c'`,
    );
  });

  it('opens a shell with sh (slim images may have no bash), options before the container', () => {
    expect(dockerExec('notes')).toEqual(['docker', 'exec', '--interactive', '--tty', 'notes', 'sh']);
  });
});

describe('npm run local:* (plain docker, no compose)', () => {
  it('builds from app/ and runs with the named volume, -e and --env-file', () => {
    const [build, run] = localPlan('up', LOCAL_DEFAULTS);
    expect(build).toEqual(['docker', 'build', '--tag', 'berth-notes:local', '--build-arg', 'REVISION=local', 'app']);
    expect(flagValues(run!, '--volume')).toEqual(['berth-notes-data:/data']);
    expect(flagValues(run!, '--env')).toEqual(['LOG_LEVEL=info']);
    expect(flagValues(run!, '--env-file')).toEqual(['local.env']);
    expect(flagValues(run!, '--publish')).toEqual(['127.0.0.1:8080:8080']);
  });

  it('takes a bind mount, a port and a name from its arguments', () => {
    const { command, options } = parseLocalArgs(['run', '--bind', '/srv/n', '--port', '0', '--name', 'mine'], {});
    const [run] = localPlan(command, options);
    expect(flagValues(run!, '--mount')).toEqual(['type=bind,source=/srv/n,target=/data']);
    expect(flagValues(run!, '--publish')).toEqual(['127.0.0.1:0:8080']);
    expect(flagValues(run!, '--name')).toEqual(['mine']);
  });

  it('stops and removes the container on down, keeping the volume', () => {
    expect(localPlan('down', LOCAL_DEFAULTS)).toEqual([
      ['docker', 'stop', 'berth-notes'],
      ['docker', 'rm', 'berth-notes'],
    ]);
  });

  it.each([
    [[], 'local: no command given; use one of build, run, up, logs, exec, status, stop, rm, down, print'],
    [['deploy'], "local: unknown command 'deploy'; use one of build, run, up, logs, exec, status, stop, rm, down, print"],
    [['run', '--port', 'http'], "local: --port must be a port from 1 to 65535, or 0 for any free port; got 'http'"],
    [['run', '--port'], 'local: --port needs a value'],
    [['run', '--bind', 'data'], "local: --bind needs an absolute host path; got 'data'"],
    [['run', '--name', 'a b'], "local: --name must be letters, digits, '_', '.' or '-' (a container name); got 'a b'"],
    [['run', '--detach'], "local: unknown option '--detach'; options are --stack NAME, --port N, --name NAME, --image TAG, --bind /abs/dir, --compose"],
    [['up', '--compose'], 'local: --compose works with logs, exec, status; for the rest use docker compose itself (up --build, down)'],
  ])('refuses %j with a clear message', (argv, message) => {
    expect(() => parseLocalArgs(argv, {})).toThrow(message);
  });

  it('with --compose, logs, exec and status act on the compose service', () => {
    const plan = (command: string) => {
      const { command: c, options } = parseLocalArgs([command, '--compose'], {});
      return localPlan(c, options);
    };
    expect(plan('logs')).toEqual([['docker', 'compose', 'logs', '--follow', 'notes']]);
    expect(plan('exec')).toEqual([['docker', 'compose', 'exec', 'notes', 'sh']]);
    expect(plan('status')).toEqual([['docker', 'compose', 'ps', '--quiet', 'notes']]);
    expect(localPlan('status', LOCAL_DEFAULTS)).toEqual([['docker', 'inspect', 'berth-notes']]);
  });

  it('refuses a bad BERTH_HOST_PORT', () => {
    expect(() => parseLocalArgs(['run'], { BERTH_HOST_PORT: '8o8o' })).toThrow(
      "local: BERTH_HOST_PORT must be a port from 1 to 65535, or 0 for any free port; got '8o8o'",
    );
  });
});

describe('npm run local:* --stack NAME: the app of Pulumi.NAME.yaml, as the host runs it', () => {
  const files: AppFiles = { isDirectory: (p) => p === 'app' || p === 'api', isFile: (p) => p === 'app/Dockerfile' || p === 'api/Containerfile' };
  // What `pulumi config set --path berth:app.port 5000` (and the others) write to the stack file.
  const stackFile = [
    'config:',
    '  aws:region: us-east-1',
    '  berth:app:',
    '    name: api',
    '    context: api',
    '    dockerfile: Containerfile',
    '    port: 5000',
    '    healthPath: /up',
    '    dataPath: ""',
    '    readOnly: false',
    '',
  ].join('\n');
  const load = (stack: string) => appFromStackFile(stack, stackFile, files);

  it('builds and runs the stack\'s app: its context and Dockerfile, its name, its port, no volume', () => {
    const { command, options } = parseLocalArgs(['up', '--stack', 'dev'], {}, load);
    const [build, run] = localPlan(command, options);
    expect(build).toEqual(['docker', 'build', '--tag', 'berth-api:local', '--file', 'api/Containerfile', '--build-arg', 'REVISION=local', 'api']);
    expect(flagValues(run!, '--name')).toEqual(['berth-api']);
    expect(flagValues(run!, '--publish')).toEqual(['127.0.0.1:5000:5000']);
    expect(flagValues(run!, '--volume')).toEqual([]);
    expect(run).not.toContain('--read-only');
  });

  it('lets flags win over what the stack implies, wherever they stand', () => {
    const { options } = parseLocalArgs(['run', '--port', '9000', '--stack', 'dev', '--name', 'mine'], {}, load);
    expect(options).toMatchObject({ port: 9000, name: 'mine', app: { port: 5000 } });
  });

  it('takes the defaults from a stack without berth:app', () => {
    expect(appFromStackFile('prod', 'config:\n  aws:region: us-east-1\n', files)).toEqual(LOCAL_DEFAULTS.app);
  });

  it('refuses a bad berth:app in the stack file with the program\'s own message', () => {
    expect(() => appFromStackFile('dev', 'config:\n  berth:app:\n    port: 0\n    prot: 1\n', files)).toThrow(
      'local: Pulumi.dev.yaml: berth:app.prot: unknown key; did you mean berth:app.port? (pulumi config rm --path berth:app.prot)\n  berth:app.port: must be the port the app listens on in the container, from 1 to 65535; got "0"',
    );
  });

  it('refuses --bind for an app that keeps no data, and --stack without a name', () => {
    expect(() => parseLocalArgs(['run', '--stack', 'dev', '--bind', '/srv/api'], {}, load)).toThrow('local: --bind needs an app with a data path');
    expect(() => parseLocalArgs(['run', '--stack'], {}, load)).toThrow('local: --stack needs a stack name');
  });
});
