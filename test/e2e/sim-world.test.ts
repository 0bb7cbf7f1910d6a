// The simulated world's stand-ins for what surrounds a host on AWS (sim/world.ts),
// each proven against a real sim host: Docker Hub (an official image pulled by its plain name),
// the host's ports 80 and 443 from this machine, the SSM agent running command documents, and an
// ACME CA (pebble) that issues for real, validating against the host's ports.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/engine-setup.js';
import { check, run, waitFor } from '../../ops/run.js';
import { CADDY_IMAGE as CADDY } from '../../infra/host/caddy.js';
import { ACME_HOST, type Acme, HOST_CA_CERT_PATH, type SimHost, type World, createWorld } from '../../sim/world.js';

const SITE = 'notes.berth.test';
const BODY = 'notes, over a certificate from the world ACME CA';

let world: World;
let host: SimHost;
let tmp: string;

beforeAll(async () => {
  await check(['bash', path.join(repoRoot, 'sim/images/build-caddy.sh')], { timeoutMs: 900_000 });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'berth-test-sim-world-'));
  world = await createWorld();
  // Any user-data will do: cloud-init runs a plain shell script as the user-data's only part.
  host = await world.launchHost({ userData: '#!/bin/bash\necho "sim-world: the user-data ran"\n' });
  const boot = await host.waitForBoot();
  if (!boot.ok) throw new Error(`boot failed: ${JSON.stringify(boot)}\n--- console ---\n${(await host.consoleLog()).slice(-4000)}`);
}, 900_000);

afterAll(async () => {
  await world?.close();
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe('the Docker Hub stand-in', () => {
  it('serves an official image to `docker pull` of the pinned Caddy on a host: the very image pushed', async () => {
    const pushed = await world.pushHubImage(CADDY, CADDY);
    expect(pushed).toEqual({ name: CADDY, digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/) });
    await host.check(['docker', 'pull', CADDY], { timeoutMs: 180_000 });
    const localId = (await check(['docker', 'image', 'inspect', '-f', '{{.Id}}', CADDY])).trim();
    expect((await host.check(['docker', 'image', 'inspect', '-f', '{{.Id}}', CADDY])).trim()).toBe(localId);
    expect((await host.check(['docker', 'image', 'inspect', '-f', '{{index .RepoDigests 0}}', CADDY])).trim()).toBe(`caddy@${pushed.digest}`);
    // What was not pushed is not there (and nothing is fetched from the real Docker Hub).
    const missing = await host.exec(['docker', 'pull', 'caddy:0.0.1-not-pushed']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toMatch(/not found|unknown/i);
  });
});

describe("the host's ports from this machine", () => {
  it('reaches 80 and 443 at the private IP and on the published 127.0.0.1 ports', async () => {
    // A plain HTTP server on each port is enough to show where the traffic goes.
    for (const port of [80, 443]) {
      await host.check(['sh', '-c', `mkdir -p /srv/p${port} && echo port-${port} >/srv/p${port}/index.html && ` +
        `(nohup python3 -m http.server ${port} --directory /srv/p${port} >/dev/null 2>&1 &)`]);
    }
    try {
      const get = (url: string) => waitFor(url, async () => {
        const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return res.ok ? (await res.text()).trim() : undefined;
      }, { timeoutMs: 10_000, intervalMs: 100 });
      expect(await get(`http://${host.privateIp}:80/`)).toBe('port-80');
      expect(await get(`${host.url}/`)).toBe('port-80');
      expect(await get(`http://${host.privateIp}:443/`)).toBe('port-443');
      expect(await get(`http://127.0.0.1:${host.httpsPort}/`)).toBe('port-443');
    } finally {
      await host.exec(['pkill', '-f', 'http.server']);
    }
  });
});

describe('the SSM agent stand-in (host.runDocument)', () => {
  const doc = (runCommand: string[], extra: { parameters?: object; timeoutSeconds?: string } = {}) => ({
    schemaVersion: '2.2',
    description: 'a test document',
    parameters: extra.parameters ?? {},
    mainSteps: [{
      action: 'aws:runShellScript',
      name: 'run',
      inputs: { runCommand, ...(extra.timeoutSeconds ? { timeoutSeconds: extra.timeoutSeconds } : {}) },
    }],
  });
  const greeting = {
    greeting: { type: 'String', description: 'who to greet', allowedPattern: '^[a-z ]+$' },
    punctuation: { type: 'String', default: '!' },
  };

  it('substitutes parameters and runs the script as the agent does: root, sh, its folder, its env', async () => {
    const result = await host.runDocument(doc([
      'echo "{{ greeting }}{{punctuation}}"',
      'echo "uid=$(id -u) shell=$(readlink /proc/$$/exe) cwd=$(pwd)"',
      'echo "instance=$AWS_SSM_INSTANCE_ID region=$AWS_SSM_REGION_NAME home=${HOME:-none}"',
    ], { parameters: greeting }), { greeting: ['hello there'] }, { documentName: 'test-greeting' });
    expect(result.status).toBe('Success');
    expect(result.exitCode).toBe(0);
    const dir = `/var/lib/amazon/ssm/${host.instanceId}/document/orchestration/${result.commandId}/run`;
    expect(result.stdout.split('\n')).toEqual([
      'hello there!',
      `uid=0 shell=/usr/bin/dash cwd=${dir}`,
      `instance=${host.instanceId} region=${host.region} home=none`,
      '',
    ]);
    expect(await host.check(['cat', `${dir}/_script.sh`])).toContain('echo "hello there!"');
    expect(await host.check(['cat', `${dir}/stdout`])).toBe(result.stdout);
  });

  it('refuses what SendCommand refuses, and runs nothing then', async () => {
    const before = (await host.ssmCommands()).length;
    const send = (params: Record<string, string | string[]>) => host.runDocument(doc(['echo "{{ greeting }}"'], { parameters: greeting }), params);
    await expect(send({ greeting: 'hi; rm -rf /' })).rejects.toThrow(/InvalidParameters: parameter "greeting" value .* does not match its allowedPattern \^\[a-z \]\+\$/);
    await expect(send({})).rejects.toThrow(/InvalidParameters: parameter "greeting" is required/);
    await expect(send({ greeting: 'hi', colour: 'red' })).rejects.toThrow(/InvalidParameters: the document has no parameter "colour"/);
    await expect(send({ greeting: ['hi', 'ho'] })).rejects.toThrow(/takes exactly one value/);
    await expect(host.runDocument(doc(['echo'], { parameters: { list: { type: 'StringList' } } }), {})).rejects.toThrow(/String parameters only/);
    expect((await host.ssmCommands()).length).toBe(before);
  });

  it('reports a failing command as Failed, with its exit code and stderr', async () => {
    const result = await host.runDocument(doc(['echo "about to fail"', 'echo "berth: FAILED: on purpose" >&2', 'exit 3']), {});
    expect(result).toMatchObject({ status: 'Failed', exitCode: 3, stdout: 'about to fail\n', stderr: 'berth: FAILED: on purpose\n' });
  });

  it('runs every step in order, as the agent does: a failed step fails the command, the next still runs', async () => {
    const step = (name: string, runCommand: string[], more: object = {}) => ({ action: 'aws:runShellScript', name, ...more, inputs: { runCommand } });
    const result = await host.runDocument({
      schemaVersion: '2.2',
      description: 'steps',
      mainSteps: [
        step('shebang', ['#!/bin/bash', 'echo "bash ${BASH_VERSINFO[0]}"']),
        step('windowsOnly', ['echo never'], { precondition: { StringEquals: ['platformType', 'Windows'] } }),
        step('fails', ['exit 4']),
        step('stillRuns', ['echo still runs', 'exit 5'], { onFailure: 'exit' }),
        step('afterExit', ['echo never']),
      ],
    }, {});
    expect(result.steps.map((s) => [s.name, s.status, s.exitCode])).toEqual([
      ['shebang', 'Success', 0], ['windowsOnly', 'Skipped', 0], ['fails', 'Failed', 4], ['stillRuns', 'Failed', 5], ['afterExit', 'Skipped', 0],
    ]);
    expect(result).toMatchObject({ status: 'Failed', exitCode: 4, stdout: 'bash 5\nstill runs\n' });
  });

  it('kills a command that outlives its timeoutSeconds, with what it started: TimedOut', async () => {
    const started = Date.now();
    // 5 s is the agent's minimum; a smaller value would mean its default, an hour.
    const result = await host.runDocument(doc(['echo started', 'sleep 600 &', 'sleep 601'], { timeoutSeconds: '5' }), {});
    expect(result).toMatchObject({ status: 'TimedOut', exitCode: 137, stdout: 'started\n' });
    expect(Date.now() - started).toBeLessThan(15_000);
    expect((await host.exec(['pgrep', '-f', 'sleep 60[01]'])).stdout).toBe('');
  });

  it('runs two commands at once, as two associations would, and records each', async () => {
    const sleeper = (tag: string) => host.runDocument(doc([`echo ${tag}`, 'sleep 2']), {}, { documentName: tag });
    const [a, b] = await Promise.all([sleeper('first'), sleeper('second')]);
    expect([a.status, b.status]).toEqual(['Success', 'Success']);
    const records = await host.ssmCommands();
    const ra = records.find((r) => r.commandId === a.commandId)!;
    const rb = records.find((r) => r.commandId === b.commandId)!;
    expect(ra.documentName).toBe('first');
    expect(rb.documentName).toBe('second');
    // Overlapping: each started before the other ended.
    expect(ra.start).toBeLessThan(rb.end);
    expect(rb.start).toBeLessThan(ra.end);
    expect(ra.end - ra.start).toBeGreaterThanOrEqual(2000);
    const greeted = records.find((r) => r.documentName === 'test-greeting')!;
    expect(greeted).toMatchObject({ status: 'Success', exitCode: 0, parameters: { greeting: ['hello there'] } });
    expect(greeted.documentHash).toMatch(/^[0-9a-f]{64}$/);
    expect(records.map((r) => r.status)).toEqual(expect.arrayContaining(['Success', 'Failed', 'TimedOut']));
  });
});

describe('the ACME CA (pebble)', () => {
  let acme: Acme;

  it('serves its directory over TLS from the world CA, as acme.berth.test', async () => {
    acme = await world.startAcme({ names: { [SITE]: host.privateIp } });
    expect(acme.directoryUrl).toBe('https://acme.berth.test:14000/dir');
    const [address, port] = acme.localAddress.split(':') as [string, string];
    const ca = await readFile(acme.caCertPath);
    const directory = await new Promise<any>((resolve, reject) => {
      https.get({ host: address, port: Number(port), path: '/dir', ca, servername: ACME_HOST }, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () => resolve(JSON.parse(body)));
      }).on('error', reject);
    });
    expect(directory).toMatchObject({ newAccount: expect.any(String), newNonce: expect.any(String), newOrder: expect.any(String) });
    expect(await acme.rootsPem()).toMatch(/^-----BEGIN CERTIFICATE-----/);
  });

  it("puts its names in the VPC's resolver, which the host and the containers it runs use", async () => {
    await acme.publish({ [`www.${SITE}`]: host.privateIp });
    await expect(acme.publish({ [SITE]: '10.0.0.9' })).rejects.toThrow(/cannot move it/);
    const resolve = async (...argv: string[]) => (await host.check([...argv, 'getent', 'ahostsv4', ACME_HOST, SITE, `www.${SITE}`]))
      .split('\n').filter((l) => l.includes('STREAM')).map((l) => l.split(/\s+/)[0]);
    const expected = [expect.stringMatching(/\.5$/), host.privateIp, host.privateIp];
    expect(await resolve()).toEqual(expected);
    expect(await resolve('docker', 'run', '--rm', '--entrypoint', '', CADDY)).toEqual(expected);
    // Names outside the world do not resolve: no query leaves it.
    expect((await host.exec(['getent', 'hosts', 'example.com'])).code).toBe(2);
  });

  it("issues a certificate to Caddy on a host, validating the name against the host's own ports", async () => {
    const caddyfile = [
      '{',
      `\tacme_ca ${acme.directoryUrl}`,
      '\tacme_ca_root /etc/caddy/world-ca.pem',
      '}',
      `${SITE} {`,
      `\trespond "${BODY}" 200`,
      '}',
      '',
    ].join('\n');
    await host.check(['sh', '-c', 'mkdir -p /srv/proxy && cat >/srv/proxy/Caddyfile'], { input: caddyfile });
    await host.check([
      'docker', 'run', '-d', '--name', 'proxy', '-p', '80:80', '-p', '443:443',
      '-v', '/srv/proxy/Caddyfile:/etc/caddy/Caddyfile:ro', '-v', `${HOST_CA_CERT_PATH}:/etc/caddy/world-ca.pem:ro`, CADDY,
    ]);
    const roots = path.join(tmp, 'pebble-roots.pem');
    await writeFile(roots, await acme.rootsPem());
    const curl = (...args: string[]) => run(['curl', '-sS', '--max-time', '5', ...args]);
    try {
      await waitFor('Caddy to serve notes.berth.test with a certificate from pebble', async () => {
        const r = await curl('--resolve', `${SITE}:443:${host.privateIp}`, '--cacert', roots, `https://${SITE}/`);
        if (r.code !== 0) throw new Error(r.stderr.trim());
        return r.stdout === BODY ? true : undefined;
      }, { timeoutMs: 60_000, intervalMs: 1000 });
    } catch (err) {
      const caddy = await host.exec(['docker', 'logs', 'proxy']);
      throw new Error(`${(err as Error).message}\n--- caddy ---\n${(caddy.stdout + caddy.stderr).slice(-4000)}\n--- pebble ---\n${(await acme.logs()).slice(-3000)}`);
    }
    // The same through the published port, and plain HTTP redirects to HTTPS.
    const published = await curl('--connect-to', `${SITE}:443:127.0.0.1:${host.httpsPort}`, '--cacert', roots, `https://${SITE}/`);
    expect(published.stdout).toBe(BODY);
    const redirect = await curl('-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', '-H', `Host: ${SITE}`, `http://${host.privateIp}/`);
    expect(redirect.stdout).toBe(`308 https://${SITE}/`);
    // pebble resolved the name through the world's DNS and validated it on the host, for real
    // (Caddy picks http-01 on port 80 or tls-alpn-01 on 443): Caddy answered pebble's address.
    const log = await acme.logs();
    expect(log).toMatch(/Pulled a task from the Tasks queue: [^\n]*Value:"notes\.berth\.test"/);
    expect(log).toMatch(/authz \S+ set VALID by completed challenge/);
    expect(log).toMatch(/Issued certificate serial/);
    const caddyLog = await host.exec(['docker', 'logs', 'proxy']);
    expect(caddyLog.stdout + caddyLog.stderr).toMatch(/"msg":"served key authentication[^\n]*"remote":"\d+\.\d+\.\d+\.5:/);
  });
});
