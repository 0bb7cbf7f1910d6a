// The host's user-data as data: what it holds, what it never holds, and that its parts pass the
// real checkers (shellcheck for the script, cloud-init's own schema for the cloud-config).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { shellLine } from '../../infra/docker-commands.js';
import { deployScript } from '../../infra/host/scripts.js';
import { containerShape } from '../../infra/shape.js';
import {
  HOST_LAYOUT,
  type HostRelease,
  USER_DATA_LIMIT_BYTES,
  hostRunArgv,
  releaseId,
  renderCloudConfig,
  renderDeployScript,
  renderUserData,
} from '../../infra/userdata.js';
import { run } from '../support/exec.js';

const DIGEST = `sha256:${'ab12'.repeat(16)}`;
const release: HostRelease = {
  region: 'eu-west-1',
  imageRef: `docker.io/alice/notes@${DIGEST}`,
  registry: 'docker.io',
  registryUsername: 'alice',
  registryToken: { name: '/berth/dev/registry-token', version: 3 },
  secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 2 } },
  env: { GREETING: "it's $HOME `here`", LOG_LEVEL: 'info' },
  volumeId: 'vol-0123456789abcdef0',
  deviceName: '/dev/sdf',
  hostPort: 80,
};
const script = deployScript();

/** The parts of a multipart user-data: content type → body. */
function parts(text: string): Map<string, string> {
  const boundary = /boundary="([^"]+)"/.exec(text)![1]!;
  const found = new Map<string, string>();
  for (const chunk of text.split(`--${boundary}`).slice(1, -1)) {
    const [headers, ...body] = chunk.replace(/^\n/, '').split('\n\n');
    // The newline before a boundary belongs to the boundary (RFC 2046).
    found.set(/Content-Type: ([^;\n]+)/.exec(headers!)![1]!, body.join('\n\n').replace(/\n$/, ''));
  }
  return found;
}

const tmp = mkdtempSync(path.join(os.tmpdir(), 'berth-userdata-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the user-data', () => {
  const userData = renderUserData(containerShape, release, script);
  const byType = parts(userData);

  it('is a cloud-config that reruns scripts every boot, plus the deploy script', () => {
    expect([...byType.keys()]).toEqual(['text/cloud-config', 'text/x-shellscript']);
    expect(byType.get('text/cloud-config')).toBe(renderCloudConfig());
    expect(byType.get('text/x-shellscript')).toBe(renderDeployScript(containerShape, release, script));
    expect(renderCloudConfig()).toContain('cloud_final_modules:\n  - [scripts-user, always]');
  });

  it('passes cloud-init schema, which does reject a broken cloud-config', async () => {
    const good = path.join(tmp, 'cloud-config.yaml');
    writeFileSync(good, byType.get('text/cloud-config')!);
    const ok = await run(['cloud-init', 'schema', '--config-file', good]);
    expect(ok.stdout + ok.stderr).toContain('Valid cloud-config');
    expect(ok.code).toBe(0);
    const broken = path.join(tmp, 'broken.yaml');
    writeFileSync(broken, '#cloud-config\ncloud_final_modules: scripts-user\n');
    const bad = await run(['cloud-init', 'schema', '--config-file', broken]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("cloud_final_modules: 'scripts-user' is not of type 'array'");
  });

  it('its script passes shellcheck, which does flag a careless one', async () => {
    const checked = await run(['shellcheck', '--shell=bash', '--severity=style', '-'], { input: byType.get('text/x-shellscript')! });
    expect(checked.stdout).toBe('');
    expect(checked.code).toBe(0);
    const careless = await run(['shellcheck', '--shell=bash', '-'], { input: '#!/bin/bash\nrm -rf $DIR/*\n' });
    expect(careless.code).not.toBe(0);
  });

  it('runs the image by digest with exactly the flags of the container shape', () => {
    const words = hostRunArgv(containerShape, release);
    expect(words.at(-1)).toBe(release.imageRef);
    expect(words).toContain(`type=bind,source=${HOST_LAYOUT.dataDir},target=${containerShape.dataDir}`);
    expect(words).toContain(`--env-file`);
    expect(words).toContain(HOST_LAYOUT.envFile);
    expect(words).toContain('80:8080');
    expect(words).toContain(`berth.release=${releaseId(containerShape, release)}`);
    for (const flag of ['--read-only', '--cap-drop', '--security-opt', '--memory', '--pids-limit', '--restart', '--log-opt']) {
      expect(words).toContain(flag);
    }
    // The script holds the same words, one per line, quoted for bash.
    const block = /\nBERTH_RUN=\(\n([\s\S]*?)\n\)\n/.exec(byType.get('text/x-shellscript')!)![1]!;
    expect(block.split('\n').map((l) => l.trim()).join(' ')).toBe(shellLine(words));
  });

  it('names secrets only by their SSM parameter and version, and quotes plain env for bash', () => {
    const text = byType.get('text/x-shellscript')!;
    expect(text).toContain('BERTH_TOKEN_PARAM=/berth/dev/registry-token:3\n');
    expect(text).toContain('BERTH_SECRET_ENV=(\n  API_KEY=/berth/dev/secret-env/API_KEY:2\n)');
    expect(text).toContain(`BERTH_ENV=(\n  'GREETING=it'\\''s $HOME \`here\`'\n  LOG_LEVEL=info\n)`);
    expect(text).toContain('BERTH_REGION=eu-west-1\n');
    expect(text).toContain('BERTH_VOLUME_ID=vol-0123456789abcdef0\n');
  });

  it('is a new release when anything that decides what runs changes, and the same one otherwise', () => {
    const id = releaseId(containerShape, release);
    expect(releaseId(containerShape, { ...release })).toBe(id);
    const changes: Partial<HostRelease>[] = [
      { imageRef: `docker.io/alice/notes@sha256:${'cd34'.repeat(16)}` },
      { env: { ...release.env, GREETING: 'hi' } },
      { secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 3 } } },
      { hostPort: 8080 },
    ];
    for (const change of changes) expect(releaseId(containerShape, { ...release, ...change }), JSON.stringify(change)).not.toBe(id);
  });

  it('refuses a tag, where only a digest can say exactly what runs', () => {
    expect(() => renderUserData(containerShape, { ...release, imageRef: 'docker.io/alice/notes:latest' }, script)).toThrow(
      'imageRef must be registry/path@sha256:<64 hex>, never a tag; got "docker.io/alice/notes:latest"',
    );
  });

  it('stays under the EC2 limit, and says what to move when env makes it too big', () => {
    expect(Buffer.byteLength(userData)).toBeLessThan(USER_DATA_LIMIT_BYTES);
    const big = Object.fromEntries(Array.from({ length: 4 }, (_, i) => [`BIG_${i}`, 'x'.repeat(4000)]));
    expect(() => renderUserData(containerShape, { ...release, env: big }, script)).toThrow(
      /the user-data is \d+ bytes, over EC2's limit of 16384; berth:env is the part that grows: move large values to berth:secretEnv/,
    );
  });

  it('refuses env values a 7-bit user-data part cannot carry', () => {
    expect(() => renderUserData(containerShape, { ...release, env: { GREETING: 'héllo' } }, script)).toThrow(
      'berth:env: GREETING has characters outside printable ASCII',
    );
  });
});
