// The baselines berth's releases are measured against, run on the same simulated host: a naive
// stop-then-run of the app published directly on a port (what berth did before it had a proxy,
// and what most deploy scripts do), and an image that starts but never becomes healthy (a bad
// release). Both are built from the real app image and its AppSpec (the default app unless given);
// neither changes what berth itself runs.
import { dockerRun } from '../infra/app/docker-commands.js';
import { HOST_LAYOUT } from '../infra/release/release.js';
import { type AppSpec, CONTAINER_POLICY } from '../infra/app/spec.js';
import { DEFAULT_APP } from '../infra/config/schema.js';
import { check, waitFor } from '../ops/run.js';
import type { SimHost } from './world.js';

const NAIVE = 'berth-naive';
const NAIVE_PORT = 8081;

const naiveRun = (imageRef: string, app: AppSpec) =>
  dockerRun(app, {
    name: NAIVE,
    image: imageRef,
    publish: { hostPort: NAIVE_PORT },
    envFiles: [HOST_LAYOUT.envFile],
    data: { kind: 'bind', hostPath: HOST_LAYOUT.dataDir },
  });

async function naiveHealthy(host: SimHost, app: AppSpec) {
  await waitFor('the naive container to answer', async () =>
    (await host.exec(['curl', '-fsS', '-o', '/dev/null', `http://127.0.0.1:${NAIVE_PORT}${app.healthPath}`])).code === 0 || undefined,
    { timeoutMs: 60_000, intervalMs: 100 });
}

/** Starts the app published straight on a host port, beside berth's; returns where to load it. */
export async function startNaive(host: SimHost, imageRef: string, app: AppSpec = DEFAULT_APP): Promise<{ url: string; remove(): Promise<void> }> {
  await host.check([...naiveRun(imageRef, app)]);
  await naiveHealthy(host, app);
  return {
    url: `http://${host.privateIp}:${NAIVE_PORT}`,
    remove: async () => {
      await host.exec(['docker', 'rm', '--force', NAIVE]);
    },
  };
}

/** The naive release: stop the old container, remove it, run the new one, wait until it answers. */
export async function naiveStopThenRun(host: SimHost, imageRef: string, app: AppSpec = DEFAULT_APP): Promise<void> {
  await host.check(['docker', 'stop', '--time', String(CONTAINER_POLICY.stopGraceS), NAIVE]);
  await host.check(['docker', 'rm', NAIVE]);
  await host.check([...naiveRun(imageRef, app)]);
  await naiveHealthy(host, app);
}

/** An image of the app whose process runs but never listens: it can never pass a health check. */
export async function buildNeverHealthy(fromImage: string, tag: string): Promise<void> {
  const dockerfile = [
    `FROM ${fromImage}`,
    // Prints a line (the release's logs must show it), then waits forever without listening.
    `CMD ["node", "-e", "console.log('never listening'); setInterval(() => {}, 1000)"]`,
    '',
  ].join('\n');
  await check(['docker', 'build', '--quiet', '--tag', tag, '-'], { input: dockerfile, timeoutMs: 120_000 });
}

/** Notes on the host's data volume, counted on disk (one file each). */
export async function notesOnDisk(host: SimHost): Promise<number> {
  const out = await host.check(['sh', '-c', `ls ${HOST_LAYOUT.dataDir}/notes | grep -c '\\.json$' || true`]);
  return Number(out.trim());
}
