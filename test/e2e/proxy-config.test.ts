// The proxy's config is Caddy's own business: the pinned image (CADDY_IMAGE, a stand-in built from
// that exact version where Docker Hub cannot be reached) validates every variant berth renders.
// Caddy decodes its JSON strictly, so a key the pinned version does not know (2.6's
// `buffer_requests`, say) fails here, not on a host.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { type HostSetup, proxyConfig } from '../../infra/host/settings.js';
import { repoRoot } from '../support/engine-setup.js';
import { check, run } from '../../ops/run.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-test-proxy-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
  await check(['bash', path.join(repoRoot, 'sim/images/build-caddy.sh')], { timeoutMs: 900_000 });
}, 900_000);

/** `caddy validate` of a config file in the pinned image, as deploy.sh mounts it. */
async function validate(config: string, caRootPem?: string) {
  const file = path.join(dir, `caddy-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, config);
  const mounts = ['-v', `${file}:/etc/caddy/caddy.json:ro`];
  if (caRootPem) {
    writeFileSync(`${file}.pem`, caRootPem);
    mounts.push('-v', `${file}.pem:/etc/caddy/acme-ca-root.pem:ro`);
  }
  return run(['docker', 'run', '--rm', '--network', 'none', ...mounts, CADDY_IMAGE, 'caddy', 'validate', '--config', '/etc/caddy/caddy.json']);
}

/** A self-signed CA, as a private ACME CA's root would be. */
async function selfSignedPem(): Promise<string> {
  const key = path.join(dir, 'ca.key');
  const cert = path.join(dir, 'ca.pem');
  await check(['openssl', 'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=berth test ACME root']);
  return readFileSync(cert, 'utf8');
}

const plain: HostSetup = { region: 'eu-west-1', volumeId: 'vol-0123456789abcdef0', deviceName: '/dev/sdf', hostPort: 8080 };

describe(`the proxy config, as ${CADDY_IMAGE} reads it`, () => {
  it('without a domain (HTTP on hostPort) is valid', async () => {
    const result = await validate(proxyConfig(DEFAULT_APP, plain));
    expect(result.stderr + result.stdout).toContain('Valid configuration');
    expect(result.code).toBe(0);
  });

  it('with a domain, an ACME email and a private CA root is valid', async () => {
    const pem = await selfSignedPem();
    const https = { domain: 'notes.example.com', acmeCa: 'https://acme.example.com/dir', acmeEmail: 'ops@example.com', acmeCaRootPem: pem };
    const result = await validate(proxyConfig(DEFAULT_APP, { ...plain, hostPort: 80, https }), pem);
    expect(result.stderr + result.stdout).toContain('Valid configuration');
    expect(result.code).toBe(0);
  });

  it('refuses a key the pinned version does not know: the check can fail', async () => {
    const config = JSON.parse(proxyConfig(DEFAULT_APP, plain));
    config.apps.http.servers.berth.routes[0].handle[0].buffer_requests = true;
    const result = await validate(JSON.stringify(config));
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('unknown field "buffer_requests"');
  });
});
