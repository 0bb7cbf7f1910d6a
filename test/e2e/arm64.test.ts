// A Graviton host (t4g, m7g…) runs linux/arm64: `pulumi up` builds app/ for that platform
// (config.platform) on an x86 machine through buildx and QEMU user-mode emulation. Here the same
// build runs on this engine's BuildKit, and the image runs under emulation with berth's own
// `docker run` (what the host runs; a Graviton host needs no --platform): it answers its health
// path and keeps a note. Where Docker Hub cannot be reached the arm64 base image is a stand-in
// (build-node.sh --arch arm64), given to the build under the pinned name as a named build context;
// app/Dockerfile is the one every build uses.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dockerRun } from '../../infra/app/docker-commands.js';
import { Cleanup, docker, publishedUrl, uniqueName, waitServing } from '../../sim/docker.js';
import { check, run } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';
import { api } from '../support/http.js';
import { DEFAULT_APP } from '../../infra/config/schema.js';

const BINFMT = '/proc/sys/fs/binfmt_misc/qemu-aarch64';
const pinned = /^ARG NODE_IMAGE=(\S+)$/m.exec(readFileSync(path.join(repoRoot, 'app/Dockerfile'), 'utf8'))![1]!;
const standin = `berth-standin-node:${pinned.replace(/^node:/, '')}-arm64`;
const cleanup = new Cleanup();
const image = cleanup.image(`${uniqueName('arm64')}:latest`);
afterAll(() => cleanup.run());

beforeAll(async () => {
  // What the kernel says, word for word, when arm64 binaries cannot run here.
  let binfmt: string;
  try {
    binfmt = readFileSync(BINFMT, 'utf8');
  } catch (err) {
    throw new Error(`arm64 emulation is not registered (${BINFMT}: ${(err as Error).message}); .ci/run mounts binfmt_misc and runs update-binfmts --enable qemu-aarch64`);
  }
  if (!binfmt.startsWith('enabled')) throw new Error(`arm64 emulation is registered but not enabled: ${binfmt}`);
  await check(['bash', path.join(repoRoot, 'sim/images/build-node.sh'), '--arch', 'arm64'], { timeoutMs: 1_200_000 });
}, 1_500_000);

describe('the image for linux/arm64 (Graviton), built and run here under emulation', () => {
  it('builds with BuildKit from the one Dockerfile, for arm64', async () => {
    const fromStandin = process.env.BERTH_PULL_BASE === '1' ? [] : ['--build-context', `${pinned}=docker-image://${standin}`];
    await check([
      'docker', 'buildx', 'build', '--platform', 'linux/arm64', ...fromStandin,
      '--build-arg', 'REVISION=arm64-test', '--tag', image, '--load', path.join(repoRoot, 'app'),
    ], { timeoutMs: 1_200_000 });
    expect((await docker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', image)).trim()).toBe('linux/arm64');
    // Its code is arm64's: Node's own binary is an aarch64 ELF.
    const elf = await check(['docker', 'run', '--rm', '--entrypoint', 'node', image, '-p', 'process.arch']);
    expect(elf.trim()).toBe('arm64');
  });

  it("runs with berth's docker run under emulation: healthy, and it keeps a note", async () => {
    const name = cleanup.container(uniqueName('arm64-run'));
    const volume = cleanup.volume(`${name}-data`);
    // Measured here: one Node process of this app under QEMU holds 216 MiB (the emulator's
    // translated code, on top of the app's ~50 MiB native), so the image's HEALTHCHECK, a second
    // Node process, pushed a 256 MiB container into the OOM killer, and the kernel killed the
    // server with it (State.OOMKilled). A Graviton host runs arm64 natively and keeps berth's
    // default; under emulation the same docker run gets the room QEMU itself takes.
    const app = { ...DEFAULT_APP, memoryMiB: 768 };
    const [, ...args] = dockerRun(app, { name, image, publish: { hostIp: '127.0.0.1', hostPort: 0 }, data: { kind: 'volume', name: volume } });
    await docker(...args);
    const url = await publishedUrl(name, DEFAULT_APP.port);
    // Node starts slowly under QEMU; if it never serves, the container's own account says why.
    await waitServing(url, 180_000).catch(async (err: Error) => {
      const logs = await run(['docker', 'logs', '--tail', '40', name]);
      const state = await run(['docker', 'inspect', '--format', '{{json .State}}', name]);
      throw new Error(`${err.message}\n--- state ---\n${state.stdout}\n--- logs ---\n${logs.stdout}${logs.stderr}`);
    });
    const info = (await api(url, 'GET', '/api/info')).body;
    expect(info).toMatchObject({ revision: 'arm64-test', uid: 1000 });
    expect((await docker('exec', name, 'uname', '-m')).trim()).toBe('aarch64');
    const created = await api(url, 'POST', '/api/notes', { title: 'from arm64', body: 'under QEMU' });
    expect(created.status).toBe(201);
    expect((await api(url, 'GET', `/api/notes/${created.body.id}`)).body.title).toBe('from arm64');
    const listed = await run(['docker', 'exec', name, 'ls', `${DEFAULT_APP.dataPath}/notes`]);
    expect(listed.stdout).toContain(created.body.id);
    // It served all of that without a restart (a restarted server would hide an OOM kill).
    const [oomKilled, restarts] = (await docker('inspect', '--format', '{{.State.OOMKilled}} {{.RestartCount}}', name)).trim().split(' ');
    expect({ oomKilled, restarts }).toEqual({ oomKilled: 'false', restarts: '0' });
  });
});
