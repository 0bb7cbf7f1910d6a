// Helpers for tests that drive the real Docker engine. Every name is unique to the run, and every
// test registers what it makes with a Cleanup so nothing is left behind.
import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { check, run, waitFor } from '../ops/run.js';

export const docker = (...args: string[]) => check(['docker', ...args]);

export function uniqueName(prefix: string): string {
  return `berth-test-${prefix}-${randomBytes(4).toString('hex')}`;
}

export class Cleanup {
  // Containers go first: a volume or image still in use by a container cannot be removed.
  private readonly containers: string[] = [];
  private readonly steps: Array<() => Promise<unknown>> = [];

  container(name: string) {
    this.containers.push(name);
    return name;
  }
  volume(name: string) {
    this.steps.push(() => run(['docker', 'volume', 'rm', '--force', name]));
    return name;
  }
  image(tag: string) {
    this.steps.push(() => run(['docker', 'image', 'rm', '--force', tag]));
    return tag;
  }
  dir(path: string) {
    this.steps.push(() => rm(path, { recursive: true, force: true }));
    return path;
  }
  later(step: () => Promise<unknown>) {
    this.steps.push(step);
  }
  /** Removes the containers, then runs the other steps newest first; a failing step stops nothing. */
  async run(): Promise<void> {
    const containers = this.containers.splice(0);
    if (containers.length > 0) await run(['docker', 'rm', '--force', '--volumes', ...containers]);
    while (this.steps.length > 0) await this.steps.pop()!().catch(() => undefined);
  }
}

/** The host address a container's port is published on, as http://127.0.0.1:PORT. */
export async function publishedUrl(container: string, containerPort: number): Promise<string> {
  const out = await docker('port', container, String(containerPort));
  const first = out.split('\n')[0]?.trim();
  if (!first) throw new Error(`${container} publishes no port for ${containerPort}`);
  return `http://${first}`;
}

export async function healthStatus(container: string): Promise<string> {
  return (await docker('inspect', '--format', '{{.State.Health.Status}}', container)).trim();
}

export function waitHealthy(container: string, timeoutMs = 60_000): Promise<string> {
  return waitFor(
    `${container} to be healthy`,
    async () => ((await healthStatus(container)) === 'healthy' ? 'healthy' : undefined),
    { timeoutMs, intervalMs: 250 },
  );
}

/** Waits until the server answers its health path over the published port. */
export function waitServing(baseUrl: string, timeoutMs = 30_000): Promise<Response> {
  return waitFor(`${baseUrl}/healthz to answer 200`, async () => {
    const res = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
    return res.status === 200 ? res : undefined;
  }, { timeoutMs, intervalMs: 50 });
}
