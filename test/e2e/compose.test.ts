// compose.yaml with the real engine and Compose v2 (`docker compose`, the CLI plugin users have):
// up --build → healthy → down keeps the volume → up again finds the note → down -v removes it.
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { Cleanup, docker, publishedUrl, waitHealthy, waitServing } from '../../sim/docker.js';
import { check, run } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';
import { CONTAINER_POLICY, memoryBytes } from '../../infra/app/spec.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const project = `berthtest${randomBytes(4).toString('hex')}`;
const image = `berth-notes:${project}`;
const env = { ...process.env, BERTH_HOST_PORT: '0', BERTH_IMAGE: image, BERTH_REVISION: 'compose-test' };
const compose = (...args: string[]) =>
  check(['docker', 'compose', '--project-name', project, ...args], { cwd: repoRoot, env, timeoutMs: 600_000 });

const cleanup = new Cleanup();
cleanup.image(image);
cleanup.later(() => run(['docker', 'compose', '--project-name', project, 'down', '--volumes'], { cwd: repoRoot, env }));
afterAll(() => cleanup.run());

const volume = `${project}_notes-data`;
const volumeExists = async () => (await run(['docker', 'volume', 'inspect', volume])).code === 0;

async function serviceUrl(): Promise<{ container: string; url: string }> {
  const container = (await compose('ps', '--quiet', 'notes')).trim();
  return { container, url: await publishedUrl(container, DEFAULT_APP.port) };
}

describe('docker compose (v2) with compose.yaml', () => {
  let noteId: string;

  it('builds and brings the server up healthy', async () => {
    await compose('up', '--build', '--detach');
    const { container, url } = await serviceUrl();
    expect(await waitHealthy(container)).toBe('healthy');
    await waitServing(url);
    const info = (await api(url, 'GET', '/api/info')).body;
    expect(info).toMatchObject({ greeting: 'hello from local.env', revision: 'compose-test', uid: 1000 });
    expect(info.cgroup.memoryLimitBytes).toBe(memoryBytes(DEFAULT_APP));
    noteId = (await api(url, 'POST', '/api/notes', { title: 'composed' })).body.id;
  });

  it('runs the container hardened and limited as the DEFAULT_APP says', async () => {
    const { container } = await serviceUrl();
    const [{ HostConfig: host, Config: config }] = JSON.parse(await docker('inspect', container));
    expect(config.User).toBe(DEFAULT_APP.user);
    expect(host).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Memory: memoryBytes(DEFAULT_APP),
      MemorySwap: memoryBytes(DEFAULT_APP),
      NanoCpus: DEFAULT_APP.cpus * 1e9,
      PidsLimit: DEFAULT_APP.pids,
      RestartPolicy: { Name: CONTAINER_POLICY.restart, MaximumRetryCount: 0 },
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    });
    expect(Object.keys(host.Tmpfs)).toEqual(['/tmp']);
    expect(host.PortBindings[`${DEFAULT_APP.port}/tcp`][0].HostIp).toBe('127.0.0.1');
  });

  it('npm run local:status -- --compose reports the service container, running', async () => {
    const { container } = await serviceUrl();
    const status = await check([process.execPath, '--import', 'tsx', 'ops/local.ts', 'status', '--compose'], {
      cwd: repoRoot,
      env: { ...env, COMPOSE_PROJECT_NAME: project },
    });
    const name = JSON.parse(await docker('inspect', container))[0].Name.replace(/^\//, '');
    expect(status.split('\n')[0]).toMatch(new RegExp(`^container  ${name}: running, (starting|healthy)$`));
    expect(status).toContain(`image      ${image}`);
  });

  it('down keeps the volume, and the next up finds the note', async () => {
    await compose('down');
    expect(await volumeExists()).toBe(true);
    await compose('up', '--detach');
    const { url } = await serviceUrl();
    await waitServing(url);
    expect((await api(url, 'GET', `/api/notes/${noteId}`)).body.title).toBe('composed');
  });

  it('down -v removes the volume', async () => {
    await compose('down', '--volumes');
    expect(await volumeExists()).toBe(false);
    expect((await compose('ps', '--quiet')).trim()).toBe('');
  });
});
