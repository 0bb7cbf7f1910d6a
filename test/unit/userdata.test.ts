// The host's user-data as data: a bootstrap that holds nothing berth's code or the host's
// settings decide (those travel with each release, infra/release/bundle.ts), and its parts pass
// the real checkers (shellcheck for the script, cloud-init's own schema for the cloud-config).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { fetchScript } from '../../infra/host/scripts.js';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT } from '../../infra/release/release.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';
import { type HostSetup, proxyConfig, proxyRunArgv, renderHostEnv } from '../../infra/host/settings.js';
import { type Bootstrap, USER_DATA_LIMIT_BYTES, packUserData, renderBootstrap, renderCloudConfig, renderUserData } from '../../infra/host/bootstrap.js';
import { run } from '../../ops/run.js';

const setup: HostSetup = { region: 'eu-west-1', volumeId: 'vol-0123456789abcdef0', deviceName: '/dev/sdf', hostPort: 8080 };
const withDomain: HostSetup = {
  ...setup,
  hostPort: 80,
  https: { domain: 'notes.example.com', acmeCa: 'https://acme.example.com/dir', acmeEmail: 'ops@example.com', acmeCaRootPem: '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n' },
};
const bootstrap: Bootstrap = { region: 'eu-west-1', manifestParameter: '/berth/dev/release/manifest' };
const fetcher = fetchScript();

/** The parts of a multipart user-data: content type → body. */
export function parts(text: string): Map<string, string> {
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
  const userData = renderUserData(bootstrap, fetcher);
  const byType = parts(userData);
  const script = byType.get('text/x-shellscript')!;

  it('is a cloud-config that reruns scripts every boot, plus the bootstrap', () => {
    expect([...byType.keys()]).toEqual(['text/cloud-config', 'text/x-shellscript']);
    expect(byType.get('text/cloud-config')).toBe(renderCloudConfig());
    expect(script).toBe(renderBootstrap(bootstrap, fetcher));
    expect(renderCloudConfig()).toContain('cloud_final_modules:\n  - [scripts-user, always]');
  });

  it('hands every boot to the live release\'s deploy script, and a first boot fetches the current release', () => {
    const lines = script.split('\n');
    const handOver = `if [ -x ${HOST_LAYOUT.liveDir}/deploy.sh ]; then exec ${HOST_LAYOUT.liveDir}/deploy.sh boot; fi`;
    expect(lines.indexOf(handOver)).toBeGreaterThan(0);
    expect(lines.indexOf(handOver)).toBeLessThan(lines.findIndex((l) => l.startsWith('manifest=$(berth_parameter')));
    expect(script).toContain("manifest=$(berth_parameter eu-west-1 /berth/dev/release/manifest)");
    expect(script).toContain(fetcher.trimEnd());
  });

  it('holds nothing that berth upgrades or host settings change: no deploy script, no settings, no release', () => {
    expect(userData).not.toMatch(/sha256:|BERTH_IMAGE|BERTH_ENV=|BERTH_SECRET_ENV|registry-token|BERTH_RUN=|docker\.io|BERTH_PROXY_RUN|vol-|caddy|8080/);
    // The same for any host settings: only the region and the stack's parameter path are in it.
    expect(renderUserData(bootstrap, fetcher)).toBe(userData);
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

  it('its scripts pass shellcheck, which does flag a careless one', async () => {
    for (const text of [script, renderHostEnv(DEFAULT_APP, setup), renderHostEnv(DEFAULT_APP, withDomain)]) {
      const checked = await run(['shellcheck', '--shell=bash', '--severity=style', '-'], { input: text });
      expect(checked.stdout).toBe('');
      expect(checked.code).toBe(0);
    }
    const careless = await run(['shellcheck', '--shell=bash', '-'], { input: '#!/bin/bash\nrm -rf $DIR/*\n' });
    expect(careless.code).not.toBe(0);
  });

  it('publishes only the proxy, on hostPort; the proxy runs the pinned Caddy, hardened', () => {
    const words = proxyRunArgv(DEFAULT_APP, setup);
    expect(words.filter((w, i) => words[i - 1] === '--publish')).toEqual(['8080:80']);
    expect(words).toContain(CADDY_IMAGE);
    expect(words.slice(words.indexOf(CADDY_IMAGE))).toEqual([CADDY_IMAGE, 'caddy', 'run', '--config', '/etc/caddy/caddy.json']);
    for (const flag of ['--read-only', '--security-opt', '--memory', '--restart']) expect(words).toContain(flag);
    expect(words.join(' ')).toContain('--cap-drop ALL --cap-add NET_BIND_SERVICE');
    expect(words).toContain(`type=bind,source=${HOST_LAYOUT.proxyDataDir},target=/data`);
  });

  it('with a domain: publishes 80 and 443, mounts the ACME root, and serves HTTPS for that name only', () => {
    const words = proxyRunArgv(DEFAULT_APP, withDomain);
    expect(words.filter((w, i) => words[i - 1] === '--publish')).toEqual(['80:80', '443:443']);
    expect(words).toContain(`type=bind,source=${HOST_LAYOUT.acmeCaRootFile},target=/etc/caddy/acme-ca-root.pem,readonly`);
    const caddy = JSON.parse(proxyConfig(DEFAULT_APP, withDomain));
    const server = caddy.apps.http.servers.berth;
    expect(server.listen).toEqual([':443']);
    expect(server.routes[0].match).toEqual([{ host: ['notes.example.com'] }]);
    expect(server.automatic_https).toBeUndefined(); // Caddy's automatic HTTPS: certificate + HTTP→HTTPS redirect
    expect(caddy.apps.tls.automation.policies[0].issuers[0]).toEqual({
      module: 'acme', ca: 'https://acme.example.com/dir', email: 'ops@example.com', trusted_roots_pem_files: ['/etc/caddy/acme-ca-root.pem'],
      challenges: { 'tls-alpn': { disabled: true } },
    });
  });

  it('re-creates the proxy only when its settings change: its config label follows config and flags', () => {
    const label = (s: HostSetup) => proxyRunArgv(DEFAULT_APP, s).find((w) => w.startsWith('berth.proxy.config='));
    expect(label(setup)).toBe(label({ ...setup }));
    expect(label({ ...setup, hostPort: 8081 })).not.toBe(label(setup));
    expect(label(withDomain)).not.toBe(label({ ...withDomain, https: { ...withDomain.https!, domain: 'other.example.com' } }));
    expect(label({ ...setup, volumeId: 'vol-0fedcba9876543210' })).toBe(label(setup));
  });

  it('is packed with gzip for EC2, well under its 16 KB, and unpacks to the same text', () => {
    const packed = packUserData(userData);
    const bytes = Buffer.from(packed, 'base64');
    expect(bytes.length).toBeLessThan(USER_DATA_LIMIT_BYTES / 2);
    expect(gunzipSync(bytes).toString('utf8')).toBe(userData);
    expect(packUserData(userData)).toBe(packed); // deterministic: no diff without a change
  });

  it('refuses a user-data over EC2\'s 16 KB, saying so', () => {
    const noise = Array.from({ length: 40_000 }, (_, i) => ((i * 7919) % 65_536).toString(36)).join('');
    expect(() => packUserData(noise)).toThrow(/over EC2's limit of 16384/);
  });
});
