// berth:app, the user's contract: every key defaults to the notes server, every bad value is
// refused naming its path and the fix, and the spec, not a constant, decides what runs: the
// container's flags, the release the host sources, and where the proxy sends requests.
import { describe, expect, it } from 'vitest';
import { type AppFiles, validateAppSpec } from '../../infra/config/app-spec.js';
import { ConfigError, validateDeployConfig } from '../../infra/config/validate.js';
import { CONFIG_KEYS } from '../../infra/config/read.js';
import { type AppSpec, containerName } from '../../infra/app/spec.js';
import { dockerRun } from '../../infra/app/docker-commands.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { HOST_LAYOUT, releaseId, releaseRunArgv, renderRelease } from '../../infra/release/release.js';
import { proxyConfig, renderHostEnv } from '../../infra/host/settings.js';
import { sampleRelease as release, sampleSingleHost as setup } from '../support/sample-release.js';

/** A project directory holding app/Dockerfile and api/docker/Dockerfile.prod. */
const files: AppFiles = {
  isDirectory: (p) => ['app', 'api', '/srv/api'].includes(p),
  isFile: (p) => ['app/Dockerfile', 'api/docker/Dockerfile.prod', '/srv/api/Dockerfile'].includes(p),
};
const spec = (value: Record<string, unknown>) => validateAppSpec(JSON.stringify(value), files);
const problemsOf = (value: Record<string, unknown>) => spec(value).problems;

describe('berth:app unset', () => {
  it('is the notes server, key by key, as the contract says', () => {
    for (const text of [undefined, '', '{}']) {
      const { app, problems } = validateAppSpec(text, files);
      expect(problems).toEqual([]);
      expect(app).toEqual({
        name: 'notes', context: 'app', dockerfile: 'Dockerfile', port: 8080, healthPath: '/healthz', dataPath: '/data',
        user: '1000:1000', memoryMiB: 256, cpus: 1, pids: 100, readOnly: true,
      });
    }
    expect(containerName(DEFAULT_APP)).toBe('berth-notes'); // existing hosts keep their container
  });
});

describe('berth:app set', () => {
  it('takes values as `pulumi config set --path` stores them (numbers and booleans as such) or as strings', () => {
    const typed = spec({ port: 5000, memoryMiB: 512, cpus: 0.5, pids: 64, readOnly: false, dataPath: '/var/lib/x/' });
    const strings = spec({ port: '5000', memoryMiB: '512', cpus: '0.5', pids: '64', readOnly: 'false', dataPath: '/var/lib/x' });
    expect(typed.problems).toEqual([]);
    expect(strings).toEqual(typed);
    expect(typed.app).toMatchObject({ port: 5000, memoryMiB: 512, cpus: 0.5, pids: 64, readOnly: false, dataPath: '/var/lib/x' });
  });

  it('takes a context and a Dockerfile that exist, relative to the project or absolute', () => {
    expect(spec({ context: 'api', dockerfile: 'docker/Dockerfile.prod' })).toEqual({ app: { ...DEFAULT_APP, context: 'api', dockerfile: 'docker/Dockerfile.prod' }, problems: [] });
    expect(spec({ context: '/srv/api' }).problems).toEqual([]);
  });

  it('takes "" as no data path at all', () => {
    const { app, problems } = spec({ dataPath: '' });
    expect(problems).toEqual([]);
    expect(app.dataPath).toBeUndefined();
  });

  it.each<[string, Record<string, unknown>, string]>([
    ['a port out of range', { port: 70000 }, 'berth:app.port: must be the port the app listens on in the container, from 1 to 65535; got "70000"'],
    ['port 0', { port: 0 }, 'berth:app.port: must be the port the app listens on in the container, from 1 to 65535; got "0"'],
    ['a health path without its /', { healthPath: 'up' }, 'berth:app.healthPath: must start with /; got "up"'],
    ['a health path with a space', { healthPath: '/up now' }, 'berth:app.healthPath: must be a URL path such as /healthz'],
    ['a relative data path', { dataPath: 'data' }, 'berth:app.dataPath: must be an absolute path in the container such as /data, or "" for none'],
    ['the tmpfs as data path', { dataPath: '/tmp/data' }, 'berth:app.dataPath: must not be /tmp or under it: berth mounts a tmpfs there'],
    ['a data path with a comma', { dataPath: '/data,readonly' }, 'berth:app.dataPath: must be a directory path of letters, digits'],
    ['a user name', { user: 'node' }, 'berth:app.user: must be a numeric uid:gid such as 1000:1000'],
    ['a uid alone', { user: '1000' }, 'berth:app.user: must be a numeric uid:gid such as 1000:1000'],
    ['root', { user: '0:0' }, 'berth:app.user: must not be root (uid 0)'],
    ['less memory than Docker allows', { memoryMiB: 5 }, "berth:app.memoryMiB: must be whole MiB from 6 (Docker's minimum) to 262144; got \"5\""],
    ['memory in bytes', { memoryMiB: 268435456 }, 'berth:app.memoryMiB: must be whole MiB from 6'],
    ['no CPU', { cpus: 0 }, 'berth:app.cpus: must be a number of CPUs from 0.01 to 192'],
    ['a thousandth of a CPU', { cpus: 0.005 }, 'berth:app.cpus: must be a number of CPUs from 0.01 to 192, in hundredths'],
    ['too few pids', { pids: 4 }, 'berth:app.pids: must be a whole number of processes and threads from 16 to 4194304'],
    ['readOnly as a word', { readOnly: 'yes' }, 'berth:app.readOnly: must be true or false; got "yes"'],
    ['a name with a dot', { name: 'my.app' }, 'berth:app.name: must be 1 to 40 lower-case letters, digits and inner hyphens'],
    ['an upper-case name', { name: 'Notes' }, 'berth:app.name: must be 1 to 40'],
    ['a name too long for one DNS label', { name: 'a'.repeat(41) }, 'berth:app.name: must be 1 to 40'],
    ['a context that does not exist', { context: 'ap' }, 'berth:app.context: no directory "ap" (relative to the project directory, where Pulumi.yaml is); set the app\'s build context: pulumi config set --path berth:app.context path/to/app'],
    ['a Dockerfile missing in the context', { context: 'api' }, 'berth:app.dockerfile: no file "Dockerfile" in "api"'],
    ['an absolute Dockerfile', { dockerfile: '/srv/api/Dockerfile' }, "berth:app.dockerfile: must be the Dockerfile's path relative to berth:app.context"],
  ])('refuses %s, naming the key', (_, value, message) => {
    const problems = problemsOf(value);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(message);
  });

  it('refuses an unknown key with the closest known one, and how to remove it', () => {
    expect(problemsOf({ prot: 5000 })).toEqual(['berth:app.prot: unknown key; did you mean berth:app.port? (pulumi config rm --path berth:app.prot)']);
    expect(problemsOf({ healthpath: '/up' })).toEqual(['berth:app.healthpath: unknown key; did you mean berth:app.healthPath? (pulumi config rm --path berth:app.healthpath)']);
    expect(problemsOf({ volumes: ['/x'] })[0]).toMatch(/^berth:app\.volumes: unknown key; berth:app takes name, context, .*; remove it: pulumi config rm --path berth:app\.volumes$/);
  });

  it('refuses a value that is not an object of settings', () => {
    expect(validateAppSpec('5000', files).problems[0]).toMatch(/^berth:app: must be an object of settings, set one at a time: pulumi config set --path berth:app\.port 5000/);
  });

  it('looks for the Dockerfile only in a context that exists, and for neither without a project directory', () => {
    expect(problemsOf({ context: 'nowhere', dockerfile: 'Dockerfile.x' })).toEqual([expect.stringMatching(/^berth:app\.context: no directory "nowhere"/)]);
    expect(validateAppSpec(JSON.stringify({ context: 'nowhere' })).problems).toEqual([]);
  });
});

describe('berth:app among the stack config, as the program reads it', () => {
  const base = { 'aws:region': 'us-east-1', 'berth:image': 'alice/notes', 'berth:registryUsername': 'alice', 'berth:registryToken': 'token' };
  const validate = (values: Record<string, string>) =>
    validateDeployConfig({ values: { ...base, ...values }, secretKeys: new Set(['berth:registryToken']), knownKeys: CONFIG_KEYS, files });

  it('arrives as JSON under berth:app and becomes the config\'s app', () => {
    expect(validate({ 'berth:app': '{"port":5000,"healthPath":"/up"}' }).app).toEqual({ ...DEFAULT_APP, port: 5000, healthPath: '/up' });
  });

  it('stops the program with every bad value, each on its line', () => {
    let error: ConfigError | undefined;
    try {
      validate({ 'berth:app': '{"port":0,"healthPath":"up"}' });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.problems).toEqual([
      'berth:app.port: must be the port the app listens on in the container, from 1 to 65535; got "0"',
      'berth:app.healthPath: must start with /; got "up"',
    ]);
  });

  it('explains a key set without --path, which Pulumi stores under its dotted name', () => {
    expect(() => validate({ 'berth:app.port': '5000' })).toThrow(
      'berth:app.port: set without --path, so Pulumi stored a key of that name; set it with: pulumi config set --path berth:app.port <value>, and remove this one: pulumi config rm berth:app.port',
    );
  });
});

/** The values each flag is given, in order. */
const flagValues = (argv: readonly string[], flag: string) => argv.flatMap((word, i) => (word === flag ? [argv[i + 1]] : []));
/** A bash array of the release file, as words. */
const words = (text: string, name: string) => new RegExp(`\\n${name}=\\(\\n([\\s\\S]*?)\\n\\)\\n`).exec(text)![1]!.split('\n').map((l) => l.trim().replace(/^'(.*)'$/, '$1'));
const scalar = (text: string, name: string) => new RegExp(`^${name}=(.*)$`, 'm').exec(text)?.[1];

describe('another app flows everywhere', () => {
  const other: AppSpec = spec({ name: 'api', port: 5000, healthPath: '/up', dataPath: '/var/lib/x', user: '10001:10001', readOnly: false, memoryMiB: 512, cpus: 2, pids: 200 }).app;
  const run = dockerRun(other, { name: 'api', image: 'api:1', publish: { hostIp: '127.0.0.1', hostPort: 9000 }, data: { kind: 'volume', name: 'api-data' } });
  const text = renderRelease(other, release);
  const hostEnv = renderHostEnv(other, setup);
  const caddy = JSON.parse(proxyConfig(other, setup));
  const upstream = JSON.stringify(caddy).match(/"dial":"([^"]+)"/)![1]!;

  it('into docker run: its port, data path, user, limits, and a writable root when asked', () => {
    expect(flagValues(run, '--publish')).toEqual(['127.0.0.1:9000:5000']);
    expect(flagValues(run, '--volume')).toEqual(['api-data:/var/lib/x']);
    expect(flagValues(run, '--user')).toEqual(['10001:10001']);
    expect(run).not.toContain('--read-only');
    expect(flagValues(run, '--tmpfs')).toEqual(['/tmp']); // berth's policy, whatever the app
    expect(flagValues(run, '--cap-drop')).toEqual(['ALL']);
    expect(flagValues(run, '--memory')).toEqual(['512m']);
    expect(flagValues(run, '--cpus')).toEqual(['2']);
    expect(flagValues(run, '--pids-limit')).toEqual(['200']);
  });

  it('into the release: the gate probes its health path on its port, in the container the proxy is sent to', () => {
    const argv = words(text, 'BERTH_RUN');
    expect(scalar(text, 'BERTH_APP_PORT')).toBe('5000');
    expect(scalar(text, 'BERTH_HEALTH_PATH')).toBe('/up');
    expect(flagValues(argv, '--mount')).toEqual([`type=bind,source=${HOST_LAYOUT.dataDir},target=/var/lib/x`]);
    expect(flagValues(argv, '--user')).toEqual(['10001:10001']);
    // The candidate is renamed to BERTH_CONTAINER once healthy: that name and the port it listens
    // on are where Caddy dials.
    const candidate = flagValues(argv, '--name')[0]!;
    expect(candidate).toBe(scalar(text, 'BERTH_CANDIDATE'));
    expect(candidate.startsWith(`${scalar(hostEnv, 'BERTH_CONTAINER')}-`)).toBe(true);
    expect(upstream).toBe(`${scalar(hostEnv, 'BERTH_CONTAINER')}:${scalar(text, 'BERTH_APP_PORT')}`);
    expect(upstream).toBe('berth-api:5000');
    expect(flagValues(argv, '--label')).toContain('berth.app=berth-api');
  });

  it('into the host settings: its data directory is owned by its user', () => {
    expect(scalar(hostEnv, 'BERTH_DATA_OWNER')).toBe('10001:10001');
    expect(scalar(hostEnv, 'BERTH_DATA_DIR')).toBe(HOST_LAYOUT.dataDir);
  });

  it('is another release than the notes server with the same image', () => {
    expect(releaseId(other, release)).not.toBe(releaseId(DEFAULT_APP, release));
  });
});

describe('an app without a data path', () => {
  const none = spec({ dataPath: '' }).app;

  it('gets no volume, no mount and no data directory, anywhere', () => {
    const local = dockerRun(none, { name: 'n', image: 'i', data: { kind: 'volume', name: 'n-data' } });
    expect(flagValues(local, '--volume')).toEqual([]);
    expect(flagValues(local, '--mount')).toEqual([]);
    expect(flagValues(releaseRunArgv(none, release), '--mount')).toEqual([]);
    // deploy.sh makes the app's data directory only when BERTH_DATA_DIR is set; the proxy's stays.
    expect(scalar(renderHostEnv(none, setup), 'BERTH_DATA_DIR')).toBe("''");
    expect(scalar(renderHostEnv(none, setup), 'BERTH_PROXY_DATA_DIR')).toBe(HOST_LAYOUT.proxyDataDir);
  });
});

describe('the default app, as every existing stack has it', () => {
  it('runs with the flags it ran with before berth:app existed (db6ae38), whatever their order', () => {
    // The one docker-run builder (containerRun) puts labels last, where the proxy's always were, so
    // the default app's argv moved one flag pair and its release id changed with it: upgrading berth
    // is one in-place, health-gated release for an existing stack; nothing else about it changes.
    // db6ae38's releaseRunArgv(containerShape, …) for a release, computed at that commit, the words
    // naming the release (candidate name, berth.release label) and the image left out.
    const before = ['docker', 'run', '--detach', '--name', '--network', 'berth', '--env-file', '/etc/berth/app.env', '--mount', 'type=bind,source=/var/lib/berth/data/app,target=/data',
      '--label', 'berth.app=berth-notes', '--label', '--user', '1000:1000', '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true',
      '--memory', '256m', '--memory-swap', '256m', '--cpus', '1', '--pids-limit', '100', '--restart', 'unless-stopped', '--stop-timeout', '10', '--log-driver', 'json-file',
      '--log-opt', 'max-size=10m', '--log-opt', 'max-file=3'];
    const id = releaseId(DEFAULT_APP, release);
    // The words that name this release (the candidate's name, its label) aside.
    const now = releaseRunArgv(DEFAULT_APP, release).filter((w) => !w.includes(id));
    expect([...now].sort()).toEqual([...before, release.imageRef].sort());
  });
});
