// Global setup of the end-to-end tests: the Docker engine must answer, the base images the
// Dockerfile names must exist (stand-ins are built once and reused), and the app image is built
// once per run under a unique tag that the tests share and teardown removes.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestProject } from 'vitest/node';
import { check, run } from '../../ops/run.js';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

declare module 'vitest' {
  export interface ProvidedContext {
    appImage: string;
  }
}

export default async function setup(project: TestProject) {
  const info = await run(['docker', 'info', '--format', '{{.ServerVersion}}']);
  if (info.code !== 0) {
    throw new Error(
      'the Docker engine does not answer (docker info failed). Start it first, for example ' +
        '`nohup dockerd >/var/log/dockerd.log 2>&1 &` as root, as .ci/run does.\n' + info.stderr,
    );
  }
  await check(['bash', path.join(repoRoot, 'sim/images/build-node.sh')]);

  const tag = `berth-notes:test-${process.pid}-${Date.now().toString(36)}`;
  await check(['docker', 'build', '--quiet', '--tag', tag, '--build-arg', 'REVISION=e2e-test', path.join(repoRoot, 'app')], {
    timeoutMs: 900_000,
  });
  project.provide('appImage', tag);

  return async () => {
    await run(['docker', 'image', 'rm', '--force', tag]);
  };
}
