// A release as data: the file the host sources, the `docker run` it starts, the bundle that
// carries it with the deploy script and the host settings, and the SSM document that delivers it.
// Policy: a release names secrets only by parameter and version, its container publishes nothing
// (only the proxy does), it fits what SSM takes, and nothing in the document's parameter can break
// out of the command line SSM substitutes it into.
import { describe, expect, it } from 'vitest';
import { shellLine } from '../../infra/app/docker-commands.js';
import {
  type AppRelease,
  HOST_LAYOUT,
  candidateName,
  releaseId,
  releaseRunArgv,
  renderRelease,
} from '../../infra/release/release.js';
import { containerName } from '../../infra/app/spec.js';
import { DEFAULT_APP, DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';
import { renderDeployDocument } from '../../infra/release/ssm-document.js';
import { deployScript, fetchScript } from '../../infra/host/scripts.js';
import { BUNDLE_PARTS, MANIFEST_PATTERN, PART_CHARS, PART_UNUSED, bundleFiles, packBundle, releaseParameterNames, renderManifest, splitBundle } from '../../infra/release/bundle.js';
import { DOCUMENT_WITH_PARAMETERS_LIMIT_BYTES } from '../../sim/state-manager.js';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { run } from '../../ops/run.js';
import { sampleRelease as release, sampleSingleHost as setup } from '../support/sample-release.js';

const text = renderRelease(DEFAULT_APP, release);

describe('a release', () => {
  it('runs the image by digest, under its candidate name, on the private network, publishing nothing', () => {
    const words = releaseRunArgv(DEFAULT_APP, release);
    const id = releaseId(DEFAULT_APP, release);
    expect(words.at(-1)).toBe(release.imageRef);
    expect(words.join(' ')).toContain(`--name ${candidateName(DEFAULT_APP, id)} --network ${HOST_LAYOUT.network}`);
    expect(words).not.toContain('--publish');
    expect(words).toContain(`type=bind,source=${HOST_LAYOUT.dataDir},target=${DEFAULT_APP.dataPath}`);
    expect(words).toContain(`berth.release=${id}`);
    expect(words).toContain(`berth.app=${containerName(DEFAULT_APP)}`);
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
    const id = releaseId(DEFAULT_APP, release);
    expect(releaseId(DEFAULT_APP, { ...release })).toBe(id);
    const changes: Partial<AppRelease>[] = [
      { imageRef: `docker.io/alice/notes@sha256:${'cd34'.repeat(16)}` },
      { env: { ...release.env, GREETING: 'hi' } },
      { secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 3 } } },
      { registryToken: { name: '/berth/dev/registry-token', version: 4 } },
      { policy: { ...DEFAULT_RELEASE_POLICY, drainTimeoutS: 5 } },
    ];
    for (const change of changes) expect(releaseId(DEFAULT_APP, { ...release, ...change }), JSON.stringify(change)).not.toBe(id);
  });

  it('refuses a tag, where only a digest can say exactly what runs', () => {
    expect(() => renderRelease(DEFAULT_APP, { ...release, imageRef: 'docker.io/alice/notes:latest' })).toThrow(
      'imageRef must be registry/path@sha256:<64 hex>, never a tag; got "docker.io/alice/notes:latest"',
    );
  });

  it('refuses env values outside printable ASCII, and says where they can go', () => {
    expect(() => renderRelease(DEFAULT_APP, { ...release, env: { GREETING: 'héllo' } })).toThrow(
      'berth:env: GREETING has characters outside printable ASCII; put it in berth:secretEnv',
    );
  });
});

describe("berth's SSM document", () => {
  const doc = renderDeployDocument(fetchScript()) as {
    schemaVersion: string;
    parameters: Record<string, { type: string; allowedPattern: string }>;
    mainSteps: { action: string; inputs: { runCommand: string[]; timeoutSeconds: string } }[];
  };
  const bundle = packBundle(bundleFiles(DEFAULT_APP, setup, release, deployScript()));
  const names = releaseParameterNames('/berth/dev');
  const manifest = renderManifest('eu-west-1', bundle, names.parts.map((name, i) => ({ name, version: i + 3 })));

  it('is a Command document with one parameter, the manifest, that no shell syntax can fill', () => {
    expect(doc.schemaVersion).toBe('2.2');
    expect(Object.keys(doc.parameters)).toEqual(['manifest']);
    const pattern = new RegExp(doc.parameters.manifest!.allowedPattern);
    expect(doc.parameters.manifest!.allowedPattern).toBe(MANIFEST_PATTERN);
    expect(pattern.test(manifest)).toBe(true);
    const ok = `eu-west-1 ${'a'.repeat(64)} /berth/dev/release/part-1:1`;
    for (const attack of [`${ok}'; reboot; '`, `${ok} $(id)`, `${ok}\n/x:1`, `${ok}  /x:1`, '', `eu-west-1 ${'a'.repeat(64)}`]) expect(pattern.test(attack), attack).toBe(false);
  });

  it('fetches the bundle the manifest names, then runs the deploy script that came in it', () => {
    const lines = doc.mainSteps[0]!.inputs.runCommand;
    expect(doc.mainSteps[0]!.action).toBe('aws:runShellScript');
    expect(lines).toContain(`fetch_release '{{ manifest }}' "$dir"`);
    expect(lines).toContain('"$dir/files/deploy.sh" release "$dir/files" || rc=$?');
    expect(lines.join('\n')).toContain(fetchScript().trimEnd());
  });

  it('fits, with its manifest, far inside the 64 KB a document and its parameter values may take', () => {
    const size = Buffer.byteLength(JSON.stringify(doc)) + Buffer.byteLength(manifest);
    expect(size).toBeLessThan(DOCUMENT_WITH_PARAMETERS_LIMIT_BYTES / 4);
  });

  it('is POSIX sh (the agent runs it with sh), as checked by shellcheck', async () => {
    const body = doc.mainSteps[0]!.inputs.runCommand.join('\n').replace('{{ manifest }}', manifest);
    const checked = await run(['shellcheck', '--shell=sh', '--severity=style', '-'], { input: `#!/bin/sh\n${body}\n` });
    expect(checked.stdout).toBe('');
    expect(checked.code).toBe(0);
  });
});

describe('the release bundle', () => {
  const files = bundleFiles(DEFAULT_APP, setup, release, deployScript());

  it('carries the deploy script, the host settings, the proxy config and the release', () => {
    expect(files.map((f) => f.name)).toEqual(['deploy.sh', 'host.env', 'caddy.json', 'release.env']);
    expect(files.find((f) => f.name === 'deploy.sh')!.text).toBe(deployScript());
    expect(files.find((f) => f.name === 'release.env')!.text).toBe(text);
    expect(files.find((f) => f.name === 'host.env')!.text).toContain(`BERTH_VOLUME_ID=${setup.volumeId}`);
  });

  it('unpacks with the real tar to exactly those files and modes, and packs the same way every time', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-bundle-'));
    try {
      const packed = packBundle(files);
      expect(packBundle(files)).toEqual(packed);
      writeFileSync(path.join(dir, 'b.tgz'), Buffer.from(packed.base64, 'base64'));
      mkdirSync(path.join(dir, 'files'));
      const untar = await run(['tar', '-xzf', path.join(dir, 'b.tgz'), '-C', path.join(dir, 'files')]);
      expect(untar.code, untar.stderr).toBe(0);
      for (const f of files) {
        expect(readFileSync(path.join(dir, 'files', f.name), 'utf8')).toBe(f.text);
        expect(statSync(path.join(dir, 'files', f.name)).mode & 0o777).toBe(f.mode);
      }
      const sha = await run(['sha256sum', path.join(dir, 'b.tgz')]);
      expect(sha.stdout.split(' ')[0]).toBe(packed.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(`fits ${BUNDLE_PARTS} standard parameters of ${PART_CHARS} characters, and the manifest names only the parts it uses`, () => {
    const packed = packBundle(files);
    const values = splitBundle(packed.base64);
    expect(values).toHaveLength(BUNDLE_PARTS);
    for (const v of values) expect(v.length).toBeGreaterThan(0);
    for (const v of values) expect(v.length).toBeLessThanOrEqual(PART_CHARS);
    expect(values.filter((v) => v !== PART_UNUSED).join('')).toBe(packed.base64);
    // Headroom for deploy.sh to grow: less than three quarters used.
    expect(packed.base64.length).toBeLessThan((BUNDLE_PARTS * PART_CHARS * 3) / 4);
    const refs = renderManifest('us-east-1', packed, releaseParameterNames('/berth/dev').parts.map((name) => ({ name, version: 1 }))).split(' ').slice(2);
    expect(refs).toHaveLength(Math.ceil(packed.base64.length / PART_CHARS));
  });

  it('refuses a release that would not fit, naming what grows', () => {
    const noise = Array.from({ length: 30_000 }, (_, i) => ((i * 7919) % 65_536).toString(36)).join('');
    const big = packBundle(bundleFiles(DEFAULT_APP, setup, { ...release, env: { NOISE: noise } }, deployScript()));
    expect(() => splitBundle(big.base64)).toThrow(/over the 16384 that 4 standard SSM parameters hold; a long berth:acmeCaRoot or berth:env is what grows/);
  });
});
