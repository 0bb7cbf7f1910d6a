// The GitHub Actions workflows (.github/workflows/); the AWS roles they assume (ci/aws-oidc/) are
// test/unit/ci-roles.test.ts's.
// Each workflow must pass @action-validator/cli (the workflow schema), follow the repository's
// rules for CI (pinned actions, least privilege, OIDC instead of keys, secrets only through env),
// and run exactly the commands package.json, .ci/run and README.md define: no drift between what
// CI does here, what it does on GitHub, and what the README tells a person to run.
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { run } from '../../ops/run.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => readFileSync(path.join(root, file), 'utf8');
const validator = path.join(root, 'node_modules/.bin/action-validator');

const workflowDir = path.join(root, '.github/workflows');
const workflowFiles = readdirSync(workflowDir)
  .filter((f) => /\.ya?ml$/.test(f))
  .sort();

interface Step {
  name?: string;
  id?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  if?: string;
}
interface Job {
  name?: string;
  needs?: string | string[];
  if?: string;
  'runs-on'?: string;
  permissions?: Record<string, string> | string;
  environment?: string | { name: string; url?: string };
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string } | string;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  permissions?: Record<string, string> | string;
  concurrency?: { group: string; 'cancel-in-progress'?: boolean | string };
  jobs: Record<string, Job>;
}

const workflows = workflowFiles.map((file) => ({
  file,
  text: readFileSync(path.join(workflowDir, file), 'utf8'),
  doc: parse(readFileSync(path.join(workflowDir, file), 'utf8')) as Workflow,
}));
const ci = workflows.find((w) => w.file === 'ci.yml')!.doc;
const allJobs = workflows.flatMap((w) => Object.entries(w.doc.jobs).map(([id, job]) => ({ file: w.file, id, job })));
const allSteps = allJobs.flatMap(({ file, id, job }) => (job.steps ?? []).map((step) => ({ file, job: id, step })));
const runScripts = allSteps.filter(({ step }) => typeof step.run === 'string');

const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; engines: { node: string } };
const ciRun = read('.ci/run');
const readme = read('README.md');
const project = parse(read('Pulumi.yaml')) as { name: string; config: Record<string, { secret?: boolean }> };

const actionName = (uses: string) => uses.split('@')[0]!;
const stepUsing = (job: Job, action: string) => (job.steps ?? []).filter((s) => s.uses && actionName(s.uses) === action);
const onlyStep = (job: Job, action: string) => {
  const steps = stepUsing(job, action);
  expect(steps, `${action} steps`).toHaveLength(1);
  return steps[0]!;
};
/** Index of the first step matching, for ordering checks. */
const indexOf = (job: Job, match: (s: Step) => boolean) => (job.steps ?? []).findIndex(match);

async function validate(file: string) {
  return run([validator, file], { timeoutMs: 60_000 });
}

describe('every workflow file', () => {
  it('exists: CI is defined in .github/workflows', () => {
    expect(workflowFiles).toContain('ci.yml');
  });

  it.each(workflowFiles)('%s passes @action-validator/cli', async (file) => {
    const result = await validate(path.join(workflowDir, file));
    expect(result.stderr + result.stdout).toBe('');
    expect(result.code).toBe(0);
  });

  it('the validator fails on a broken workflow (so the check above means something)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'berth-workflow-'));
    const original = workflows.find((w) => w.file === 'ci.yml')!.text;
    const broken = (from: string, to: string) => {
      expect(original, from).toContain(from);
      return original.replace(from, to);
    };
    const cases = {
      // a misspelt key in a step of this repository's own workflow
      'step-key.yml': broken('      - run: npm run lint', '      - rnu: npm run lint'),
      // an event GitHub does not have
      'event.yml': broken('  pull_request:\n', '  pull-request:\n'),
      // a concurrency setting misspelt
      'concurrency.yml': broken('cancel-in-progress: false', 'cancel-in-progres: false'),
      // a permission level GitHub does not have
      'permission.yml': `name: x\non: push\npermissions:\n  id-token: admin\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n      - run: npm test\n`,
    };
    try {
      for (const [name, text] of Object.entries(cases)) {
        writeFileSync(path.join(dir, name), text);
        const result = await validate(path.join(dir, name));
        expect(result.code, name).toBe(1);
        expect(result.stderr, name).toMatch(/"errors"/);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('pins every action to a full commit, with the release in a comment, the same pin everywhere', () => {
    const pins = new Map<string, string>();
    for (const { file, text } of workflows) {
      for (const line of text.split('\n')) {
        const m = /^\s*(?:-\s+)?uses:\s*(\S+)(?:\s+#\s*(.*))?$/.exec(line);
        if (!m) continue;
        const [, ref, comment] = m;
        if (ref!.startsWith('./')) continue;
        expect(ref, `${file}: ${line.trim()}`).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._/-]+@[0-9a-f]{40}$/);
        expect(comment, `${file}: ${line.trim()} needs a # vX.Y.Z comment`).toMatch(/^v\d+\.\d+\.\d+$/);
        const [action] = ref!.split('@');
        const pinned = `${ref} # ${comment}`;
        expect(pins.get(action!) ?? pinned, `${action} is pinned two ways`).toBe(pinned);
        pins.set(action!, pinned);
      }
    }
    expect([...pins.keys()].sort()).toEqual(
      ['actions/cache', 'actions/checkout', 'actions/setup-node', 'aws-actions/configure-aws-credentials', 'pulumi/actions'],
    );
  });

  it('grants nothing by default; each job asks for what it needs, and only deploy jobs get an OIDC token', () => {
    for (const { file, doc } of workflows) expect(doc.permissions, file).toEqual({});
    for (const { file, id, job } of allJobs) {
      expect(job.permissions, `${file}/${id}`).toBeTypeOf('object');
      const perms = job.permissions as Record<string, string>;
      expect(perms.contents, `${file}/${id}`).toBe('read');
      const writes = Object.entries(perms).filter(([, level]) => level === 'write').map(([scope]) => scope).sort();
      const allowed: Record<string, string[]> = { preview: ['id-token', 'pull-requests'], deploy: ['id-token'] };
      expect(writes, `${file}/${id} writes`).toEqual(allowed[id] ?? []);
    }
  });

  it('uses no long-lived AWS keys: roles are assumed with the OIDC token', () => {
    for (const { file, text } of workflows) {
      expect(text, file).not.toMatch(/aws-access-key-id|aws-secret-access-key|AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|AWS_SESSION_TOKEN/);
    }
    for (const { file, job, step } of allSteps.filter(({ step }) => step.uses?.startsWith('aws-actions/configure-aws-credentials@'))) {
      expect(Object.keys(step.with ?? {}).sort(), `${file}/${job}`).toEqual(['aws-region', 'role-to-assume']);
      expect(step.with!['aws-region']).toBe('${{ vars.AWS_REGION }}');
    }
  });

  it('puts no ${{ }} expression inside a run script: values reach the shell through env only', () => {
    for (const { file, job, step } of runScripts) expect(step.run, `${file}/${job}: ${step.name ?? step.run}`).not.toContain('${{');
  });

  it('runs only shell that passes shellcheck', async () => {
    for (const { file, job, step } of runScripts) {
      const result = await run(['shellcheck', '--shell=bash', '-'], { input: step.run! });
      expect(result.stdout, `${file}/${job}: ${step.name ?? step.run}`).toBe('');
      expect(result.code).toBe(0);
    }
  });

  it('checks out without persisting the token, and never checks out or runs a fork with secrets', () => {
    for (const { file, job, step } of allSteps.filter(({ step }) => step.uses?.startsWith('actions/checkout@'))) {
      expect(step.with?.['persist-credentials'], `${file}/${job}`).toBe(false);
      expect(step.with?.ref, `${file}/${job}`).toBeUndefined();
    }
    for (const { file, doc } of workflows) expect(Object.keys(doc.on), file).not.toContain('pull_request_target');
  });
});

describe('ci.yml: the jobs', () => {
  it('runs on pull requests to main and on pushes to main, and nothing else', () => {
    expect(ci.on).toEqual({ pull_request: { branches: ['main'] }, push: { branches: ['main'] } });
  });

  it('cancels superseded pull-request runs, never a run on main', () => {
    expect(ci.concurrency).toEqual({ group: 'ci-${{ github.ref }}', 'cancel-in-progress': "${{ github.event_name == 'pull_request' }}" });
  });

  it('lints and tests every change, pull request or main, on the same runner image', () => {
    expect(Object.keys(ci.jobs).sort()).toEqual(['deploy', 'lint', 'preview', 'test']);
    for (const id of ['lint', 'test']) expect(ci.jobs[id]!.if, id).toBeUndefined();
    for (const job of Object.values(ci.jobs)) expect(job['runs-on']).toBe('ubuntu-24.04');
    expect(ci.jobs.preview!.needs).toEqual(['lint', 'test']);
    expect(ci.jobs.deploy!.needs).toEqual(['lint', 'test']);
  });

  it('tests with .ci/run itself, as root, with the real node base image', () => {
    const runSteps = (ci.jobs.test!.steps ?? []).filter((s) => s.run);
    expect(runSteps.map((s) => s.name)).toEqual(['Prepare the runner for .ci/run', '.ci/run']);
    const step = runSteps[1]!;
    expect(step.run!.trim()).toBe('sudo --preserve-env=BERTH_PULL_BASE,BERTH_STANDIN_CACHE env "PATH=$PATH" bash .ci/run');
    expect(step.env).toEqual({ BERTH_PULL_BASE: '1', BERTH_STANDIN_CACHE: '${{ runner.temp }}/berth-standins' });
    // The variables it sets are the ones the stand-in scripts read.
    const standins = ['build-node.sh', 'build-python.sh', 'build-caddy.sh', 'build-sim-host.sh', 'lib.sh'].map((f) => read(`sim/images/${f}`)).join('\n');
    expect(standins).toContain('${BERTH_PULL_BASE:-}');
    expect(standins).toContain('${BERTH_STANDIN_CACHE:-/var/cache/berth-standins}');
    // The runner gives up Docker's docker-ce for the distribution's own engine, buildx and Compose v2
    // that .ci/run installs (Ubuntu's packages: a Debian suite is added only on Debian), and gets the
    // key debootstrap checks Debian's packages with; nothing else.
    const prepare = runSteps[0]!.run!;
    const [debianBranch, ubuntuBranch] = ciRun.slice(ciRun.indexOf('if [[ $ID == debian ]]'), ciRun.indexOf('\nfi\n')).split('\nelse\n');
    expect(debianBranch).toContain('engine_packages=(docker.io docker-cli docker-buildx docker-compose)');
    expect(debianBranch).toContain('Suites: trixie');
    expect(ubuntuBranch).toMatch(/^\s*engine_packages=\(docker\.io docker-buildx docker-compose-v2\)$/m);
    expect(ubuntuBranch).not.toMatch(/debian|trixie/);
    expect(ciRun).toMatch(/apt-get install[^\n]*\\\n[^\n]*"\$\{engine_packages\[@\]\}"/);
    expect(prepare).toContain('for package in docker-ce docker-ce-cli docker-ce-rootless-extras containerd.io docker-buildx-plugin docker-compose-plugin; do');
    expect(prepare).toContain('apt-get purge -y -qq "${installed[@]}"');
    expect(prepare.match(/apt-get install .*$/gm)).toEqual(['apt-get install -y -qq --no-install-recommends debian-archive-keyring']);
    expect(ciRun).toContain('debootstrap');
    const cache = onlyStep(ci.jobs.test!, 'actions/cache');
    expect(cache.with?.path).toBe(step.env!.BERTH_STANDIN_CACHE);
    expect(String(cache.with?.key)).toContain("hashFiles('sim/images/*.sh')");
  });

  it('previews pull requests from this repository on the target stack, the result posted on the pull request', () => {
    const job = ci.jobs.preview!;
    expect(job.if).toBe("github.event_name == 'pull_request' && github.event.pull_request.head.repo.full_name == github.repository");
    expect(job.environment).toBeUndefined(); // its OIDC subject is repo:OWNER/NAME:pull_request
    const aws = onlyStep(job, 'aws-actions/configure-aws-credentials');
    expect(aws.with!['role-to-assume']).toBe('${{ vars.AWS_PREVIEW_ROLE_ARN }}');
    const preview = onlyStep(job, 'pulumi/actions');
    expect(preview.with).toMatchObject({ command: 'preview', 'stack-name': '${{ vars.PULUMI_STACK }}', 'comment-on-pr': true });
    expect(preview.env).toEqual({ PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}' });
  });

  it('deploys main only, in the protected production environment, one deploy at a time, never cancelled', () => {
    const job = ci.jobs.deploy!;
    expect(job.if).toBe("github.event_name == 'push' && github.ref == 'refs/heads/main'");
    expect(job.environment).toEqual({ name: 'production', url: '${{ steps.up.outputs.url }}' });
    expect(job.concurrency).toEqual({ group: 'berth-deploy-production', 'cancel-in-progress': false });
    const aws = onlyStep(job, 'aws-actions/configure-aws-credentials');
    expect(aws.with!['role-to-assume']).toBe('${{ vars.AWS_DEPLOY_ROLE_ARN }}');
    const up = onlyStep(job, 'pulumi/actions');
    expect(up.id).toBe('up');
    expect(up.with).toMatchObject({ command: 'up', 'stack-name': '${{ vars.PULUMI_STACK }}' });
    expect(up.env).toEqual({ PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}' });
  });

  it('installs dependencies before any credential is in the environment', () => {
    for (const id of ['preview', 'deploy']) {
      const job = ci.jobs[id]!;
      const install = indexOf(job, (s) => s.run?.trim() === 'npm ci --no-audit --no-fund');
      const credentials = indexOf(job, (s) => Boolean(s.uses?.startsWith('aws-actions/configure-aws-credentials@')));
      const pulumiStep = indexOf(job, (s) => Boolean(s.uses?.startsWith('pulumi/actions@')));
      expect(install, id).toBeGreaterThanOrEqual(0);
      expect(install, id).toBeLessThan(credentials);
      expect(credentials, id).toBeLessThan(pulumiStep);
    }
  });

  it('gives Pulumi the Docker Hub token as the secret config key the program reads', () => {
    const secretKeys = Object.entries(project.config).filter(([, d]) => d.secret).map(([k]) => `${project.name}:${k}`);
    for (const id of ['preview', 'deploy']) {
      const step = onlyStep(ci.jobs[id]!, 'pulumi/actions');
      const raw = String(step.with!['config-map']);
      expect(raw).toContain('${{ secrets.DOCKERHUB_TOKEN }}');
      // pulumi/actions parses config-map as YAML; a token goes in where the expression is.
      const configMap = parse(raw.replace('${{ secrets.DOCKERHUB_TOKEN }}', 'dckr_pat_Ab-9_xyz')) as Record<string, unknown>;
      expect(configMap).toEqual({ 'berth:registryToken': { value: 'dckr_pat_Ab-9_xyz', secret: true } });
      for (const key of Object.keys(configMap)) expect(secretKeys, key).toContain(key);
    }
  });

  it('installs a Pulumi CLI whose engine knows every resource option the program uses (replaceWith: v3.207.0)', () => {
    // An older engine ignores an option it does not know: a restored volume would leave the host stopped.
    const [major, minor] = [3, 207];
    for (const id of ['preview', 'deploy']) {
      const version = String(onlyStep(ci.jobs[id]!, 'pulumi/actions').with?.['pulumi-version'] ?? '');
      const m = /^\^?(\d+)\.(\d+)\.\d+$/.exec(version);
      expect(m, `${id}: pulumi-version ${version}`).not.toBeNull();
      expect(Number(m![1]) === major && Number(m![2]) >= minor, `${id}: pulumi-version ${version}`).toBe(true);
    }
    expect(readFileSync(new URL('../../infra/components/single-host.ts', import.meta.url), 'utf8')).toContain('replaceWith:');
  });

  it('checks the repository settings before it needs them, the same way in both Pulumi jobs', () => {
    const check = (id: string) => (ci.jobs[id]!.steps ?? []).find((s) => s.name === "Check the repository's CI settings")!;
    expect(check('preview').run).toBe(check('deploy').run);
    expect(check('preview').env!.ROLE_VARIABLE).toBe('AWS_PREVIEW_ROLE_ARN');
    expect(check('deploy').env!.ROLE_VARIABLE).toBe('AWS_DEPLOY_ROLE_ARN');
    // The stack name it insists on is this project's.
    expect(check('deploy').run).toContain(`^[^/]+/${project.name}/[^/]+$`);
  });

  it('puts stack outputs the program exports in the job summary', () => {
    const exported = [...read('index.ts').matchAll(/^export const (\w+)/gm)].map((m) => m[1]);
    const summary = (ci.jobs.deploy!.steps ?? []).find((s) => s.run?.includes('GITHUB_STEP_SUMMARY'))!;
    const shown = [...summary.run!.matchAll(/pulumi stack output (\w+) --stack "\$PULUMI_STACK"/g)].map((m) => m[1]);
    expect(shown).toEqual(['url', 'imageDigest', 'imageRef']);
    for (const name of shown) expect(exported).toContain(name);
    expect(summary.env).toEqual({ PULUMI_ACCESS_TOKEN: '${{ secrets.PULUMI_ACCESS_TOKEN }}', PULUMI_STACK: '${{ vars.PULUMI_STACK }}' });
    // environment.url is the same output, from the up step.
    expect(exported).toContain('url');
  });
});

describe('no drift between the workflows, package.json, .ci/run and README.md', () => {
  /** Every npm invocation in a shell text: ['ci', ...], ['run', 'lint'], ['test'], ... */
  const npmCommands = (text: string) =>
    text
      .split('\n')
      .filter((line) => !line.trimStart().startsWith('#'))
      .flatMap((line) => [...line.matchAll(/(?:^|[;&|(]\s*|\s)npm\s+([a-z-]+)(?:\s+([a-z:-]+))?/g)])
      .map((m) => (m[1] === 'run' ? ['run', m[2]!] : [m[1]!]));

  it('every npm command a workflow or .ci/run runs is ci, test, pack (a package from the registry), or a script package.json defines', () => {
    const texts = [...runScripts.map(({ step }) => step.run!), ciRun];
    const commands = texts.flatMap(npmCommands);
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) {
      if (command[0] === 'run') expect(Object.keys(pkg.scripts), command.join(' ')).toContain(command[1]);
      else expect(['ci', 'test', 'pack'], command.join(' ')).toContain(command[0]);
    }
    expect(Object.keys(pkg.scripts)).toContain('test');
  });

  it('the workflows install from the lockfile only (npm ci, never npm install)', () => {
    for (const { step } of runScripts) expect(step.run).not.toMatch(/\bnpm\s+(install|i|add)\b/);
    expect(ciRun).not.toMatch(/\bnpm\s+(install|i|add)\b/);
  });

  it("the tests CI runs are the README's test command, through .ci/run, after install, typecheck and stand-ins", () => {
    // README: `npm test` runs every test; .ci/run ends with it; package.json defines it.
    expect(readme).toMatch(/^npm test\s+# every test/m);
    const lines = ciRun.trimEnd().split('\n').map((l) => l.trim());
    expect(lines.at(-1)).toBe('npm test');
    const order = ['npm ci --no-audit --no-fund', 'npm ci --prefix app --no-audit --no-fund', 'npm run typecheck', 'npm run standins', 'npm test'];
    const positions = order.map((command) => lines.indexOf(command));
    expect(positions.every((p) => p >= 0), JSON.stringify(positions)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    // On GitHub the test job runs that script, after preparing the runner without npm.
    const runs = (ci.jobs.test!.steps ?? []).filter((s) => s.run).map((s) => s.run!.trim());
    expect(runs.at(-1)).toMatch(/ bash \.ci\/run$/);
    for (const script of runs.slice(0, -1)) expect(npmCommands(script)).toEqual([]);
  });

  it('lint is npm run lint, defined in package.json, run on every change', () => {
    expect(pkg.scripts.lint).toBe('eslint .');
    expect((ci.jobs.lint!.steps ?? []).filter((s) => s.run).map((s) => s.run!.trim())).toEqual(['npm ci --no-audit --no-fund', 'npm run lint']);
  });

  it('every job runs a Node that package.json allows and Pulumi needs (22 or newer, as the README says)', () => {
    const minimum = Number(/>=\s*(\d+)/.exec(pkg.engines.node)![1]);
    expect(readme).toMatch(/Node\.js 22 or newer/);
    for (const { file, job, step } of allSteps.filter(({ step }) => step.uses?.startsWith('actions/setup-node@'))) {
      const major = Number(step.with?.['node-version']);
      expect(major, `${file}/${job}`).toBeGreaterThanOrEqual(Math.max(minimum, 22));
    }
  });

  it('the README (its CI section) names every secret and variable the workflows read, and the environment', () => {
    const heading = '## CI and deploy on merge';
    const docs = readme;
    expect(docs).toContain(heading);
    const names = new Set<string>();
    for (const { text } of workflows) for (const m of text.matchAll(/\$\{\{\s*(secrets|vars)\.([A-Z0-9_]+)/g)) names.add(m[2]!);
    expect([...names].sort()).toEqual(['AWS_DEPLOY_ROLE_ARN', 'AWS_PREVIEW_ROLE_ARN', 'AWS_REGION', 'DOCKERHUB_TOKEN', 'PULUMI_ACCESS_TOKEN', 'PULUMI_STACK']);
    for (const name of names) expect(docs, name).toContain(`\`${name}\``);
    expect(docs).toContain('`production`');
    expect(docs).toContain('ci/aws-oidc');
  });
});
