// berth:domain end to end on the simulated host: Caddy gets a certificate from a real ACME server
// (Debian's pebble, Let's Encrypt's test CA) that validates against the host's own ports 80 and
// 443, serves the app over HTTPS, and redirects HTTP to HTTPS. berth:acmeCa points at pebble and
// berth:acmeCaRoot is the root its directory's TLS chains to, as for any private ACME CA.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CADDY_IMAGE } from '../../infra/host/caddy.js';
import { HOST_LAYOUT } from '../../infra/release/release.js';
import { run, waitFor } from '../../ops/run.js';
import { mustDeploy, releaseParameters, simParameters, simRelease, simSetup, simUserData } from '../../sim/berth.js';
import { type Acme, type SimHost, type World, createWorld } from '../../sim/world.js';

const DOMAIN = 'notes.berth.test';
const VOLUME_ID = 'vol-0d0d0d0d0d0d0d0d1';
let world: World;
let host: SimHost;
let acme: Acme;
let dir: string;
let rootsFile: string;

const curl = (...args: string[]) => run(['curl', '-sS', '--max-time', '10', '--resolve', `${DOMAIN}:443:${host.privateIp}`, '--resolve', `${DOMAIN}:80:${host.privateIp}`, ...args]);

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'berth-https-'));
  world = await createWorld();
  await world.pushHubImage(CADDY_IMAGE, CADDY_IMAGE);
  const app = await world.pushImage(inject('appImage'), 'berth/notes');
  const volume = await world.createVolume(VOLUME_ID, 128);
  acme = await world.startAcme({ names: {} });
  const https = { domain: DOMAIN, acmeCa: acme.directoryUrl, acmeCaRootPem: readFileSync(acme.caCertPath, 'utf8') };
  // The domain and the ACME settings travel with the release (host.env, caddy.json, the CA root), not the user-data.
  const current = { setup: simSetup(world, VOLUME_ID, https), release: simRelease(world, app) };
  host = await world.launchHost({ userData: simUserData(world), volume, ssmParameters: { ...simParameters(world, 'https-secret'), ...releaseParameters(current) } });
  // The name's A record, as the operator would set it to the host's public IP.
  await acme.publish({ [DOMAIN]: host.privateIp });
  const boot = await host.waitForBoot({ timeoutMs: 240_000 });
  if (!boot.ok) throw new Error(`boot failed:\n${(await host.consoleLog()).slice(-4000)}`);
  await mustDeploy(host, current);
  rootsFile = path.join(dir, 'pebble-roots.pem');
  await writeFile(rootsFile, await acme.rootsPem());
}, 900_000);

afterAll(async () => {
  await world?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('a host with berth:domain', () => {
  it('gets a certificate from the ACME CA and serves the app over HTTPS with it', async () => {
    const answer = await waitFor('HTTPS with a certificate from pebble', async () => {
      const r = await curl('--cacert', rootsFile, '-o', '-', '-w', '\n%{http_code}', `https://${DOMAIN}/api/info`);
      return r.code === 0 && r.stdout.endsWith('\n200') ? r.stdout : undefined;
    }, { timeoutMs: 120_000, intervalMs: 1000 }).catch(async (err) => {
      throw new Error(`${(err as Error).message}\n--- caddy ---\n${(await host.exec(['docker', 'logs', '--tail', '30', HOST_LAYOUT.proxy])).stderr}\n--- pebble ---\n${(await acme.logs()).slice(-3000)}`);
    });
    expect(JSON.parse(answer.split('\n')[0]!).revision).toBe('e2e-test');
    // Issued for the name, by pebble: a client that trusts only the world CA refuses it.
    const untrusted = await curl('--cacert', acme.caCertPath, '-o', '/dev/null', `https://${DOMAIN}/healthz`);
    expect(untrusted.code).toBe(60);
    expect(await acme.logs()).toMatch(/Issued certificate serial/);
  });

  it('redirects plain HTTP to HTTPS', async () => {
    const r = await curl('-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://${DOMAIN}/api/info`);
    expect(r.stdout).toBe(`308 https://${DOMAIN}/api/info`);
  });

  it('keeps the certificate on the data volume, so a replacement host needs no new one', async () => {
    const found = await host.check(['find', `${HOST_LAYOUT.proxyDataDir}/caddy/certificates`, '-name', `${DOMAIN}.crt`]);
    expect(found.trim()).toMatch(new RegExp(`${DOMAIN.replaceAll('.', '\\.')}\\.crt$`));
  });
});
