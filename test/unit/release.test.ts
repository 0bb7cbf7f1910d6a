// A release as data: the file the host sources, the `docker run` it starts, and the SSM document
// that carries it. Policy: a release names secrets only by parameter and version, its container
// publishes nothing (only the proxy does), and nothing in the parameter can break out of the
// command line SSM substitutes it into.
import { describe, expect, it } from 'vitest';
import { shellLine } from '../../infra/docker-commands.js';
import {
  type AppRelease,
  DEFAULT_RELEASE_POLICY,
  HOST_LAYOUT,
  candidateName,
  releaseId,
  releaseRunArgv,
  renderRelease,
} from '../../infra/release.js';
import { containerShape } from '../../infra/shape.js';
import { RELEASE_PARAMETER_PATTERN, encodeRelease, renderDeployDocument } from '../../infra/ssm-document.js';
import { run } from '../support/exec.js';

const release: AppRelease = {
  imageRef: `docker.io/alice/notes@sha256:${'ab12'.repeat(16)}`,
  registry: 'docker.io',
  registryUsername: 'alice',
  registryToken: { name: '/berth/dev/registry-token', version: 3 },
  secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 2 } },
  env: { GREETING: "it's $HOME `here`", LOG_LEVEL: 'info' },
  policy: DEFAULT_RELEASE_POLICY,
};
const text = renderRelease(containerShape, release);

describe('a release', () => {
  it('runs the image by digest, under its candidate name, on the private network, publishing nothing', () => {
    const words = releaseRunArgv(containerShape, release);
    const id = releaseId(containerShape, release);
    expect(words.at(-1)).toBe(release.imageRef);
    expect(words.join(' ')).toContain(`--name ${candidateName(id)} --network ${HOST_LAYOUT.network}`);
    expect(words).not.toContain('--publish');
    expect(words).toContain(`type=bind,source=${HOST_LAYOUT.dataDir},target=${containerShape.dataDir}`);
    expect(words).toContain(`berth.release=${id}`);
    expect(words).toContain(`berth.app=${HOST_LAYOUT.container}`);
    for (const flag of ['--read-only', '--cap-drop', '--security-opt', '--memory', '--pids-limit', '--restart', '--log-opt']) expect(words).toContain(flag);
    const block = /\nBERTH_RUN=\(\n([\s\S]*?)\n\)\n/.exec(text)![1]!;
    expect(block.split('\n').map((l) => l.trim()).join(' ')).toBe(shellLine(words));
  });

  it('names secrets only by SSM parameter and version, quotes plain env for bash, and carries the gate', () => {
    expect(text).toContain('BERTH_TOKEN_PARAM=/berth/dev/registry-token:3\n');
    expect(text).toContain('BERTH_SECRET_ENV=(\n  API_KEY=/berth/dev/secret-env/API_KEY:2\n)');
    expect(text).toContain(`BERTH_ENV=(\n  'GREETING=it'\\''s $HOME \`here\`'\n  LOG_LEVEL=info\n)`);
    expect(text).toContain('BERTH_HEALTH_PATH=/healthz\nBERTH_HEALTH_INTERVAL_S=1\nBERTH_DEPLOY_TIMEOUT_S=30\nBERTH_DRAIN_TIMEOUT_S=30\n');
  });

  it('passes shellcheck as the file deploy.sh sources', async () => {
    const checked = await run(['shellcheck', '--shell=bash', '--severity=style', '-'], { input: `#!/bin/bash\n${text}` });
    expect(checked.stdout).toBe('');
    expect(checked.code).toBe(0);
  });

  it('is a new release when anything that decides what runs changes, and the same one otherwise', () => {
    const id = releaseId(containerShape, release);
    expect(releaseId(containerShape, { ...release })).toBe(id);
    const changes: Partial<AppRelease>[] = [
      { imageRef: `docker.io/alice/notes@sha256:${'cd34'.repeat(16)}` },
      { env: { ...release.env, GREETING: 'hi' } },
      { secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 3 } } },
      { registryToken: { name: '/berth/dev/registry-token', version: 4 } },
      { policy: { ...DEFAULT_RELEASE_POLICY, drainTimeoutS: 5 } },
    ];
    for (const change of changes) expect(releaseId(containerShape, { ...release, ...change }), JSON.stringify(change)).not.toBe(id);
  });

  it('refuses a tag, where only a digest can say exactly what runs', () => {
    expect(() => renderRelease(containerShape, { ...release, imageRef: 'docker.io/alice/notes:latest' })).toThrow(
      'imageRef must be registry/path@sha256:<64 hex>, never a tag; got "docker.io/alice/notes:latest"',
    );
  });

  it('refuses env values outside printable ASCII, and says where they can go', () => {
    expect(() => renderRelease(containerShape, { ...release, env: { GREETING: 'héllo' } })).toThrow(
      'berth:env: GREETING has characters outside printable ASCII; put it in berth:secretEnv',
    );
  });
});

describe("berth's SSM document", () => {
  const doc = renderDeployDocument() as {
    schemaVersion: string;
    parameters: Record<string, { type: string; allowedPattern: string }>;
    mainSteps: { action: string; inputs: { runCommand: string[]; timeoutSeconds: string } }[];
  };

  it('is a Command document with one parameter, the release, that only base64 can fill', () => {
    expect(doc.schemaVersion).toBe('2.2');
    expect(Object.keys(doc.parameters)).toEqual(['release']);
    const pattern = new RegExp(doc.parameters.release!.allowedPattern);
    expect(pattern.source).toBe(RELEASE_PARAMETER_PATTERN);
    expect(pattern.test(encodeRelease(text))).toBe(true);
    for (const attack of ["x' ; reboot ; '", 'abc$(id)', 'a\nb', '']) expect(pattern.test(attack), attack).toBe(false);
  });

  it('decodes the release to a file and hands it to the installed deploy.sh', () => {
    const lines = doc.mainSteps[0]!.inputs.runCommand;
    expect(doc.mainSteps[0]!.action).toBe('aws:runShellScript');
    expect(lines).toContain(`printf '%s' '{{ release }}' | base64 -d >"$release"`);
    expect(lines.at(-1)).toBe(`exec ${HOST_LAYOUT.deployScript} release "$release"`);
    expect(Buffer.from(encodeRelease(text), 'base64').toString('utf8')).toBe(text);
  });

  it('is POSIX sh (the agent runs it with sh), as checked by shellcheck', async () => {
    const body = doc.mainSteps[0]!.inputs.runCommand.join('\n').replace('{{ release }}', encodeRelease(text));
    const checked = await run(['shellcheck', '--shell=sh', '--severity=style', '-'], { input: `#!/bin/sh\n${body}\n` });
    expect(checked.stdout).toBe('');
    expect(checked.code).toBe(0);
  });
});
