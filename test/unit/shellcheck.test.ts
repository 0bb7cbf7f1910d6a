// Every shell script berth runs passes shellcheck, the host's deploy script included (the files it
// sources, the host settings and a release, are checked as rendered in userdata and release tests).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/engine-setup.js';

const scripts = [
  '.ci/run',
  'infra/host/deploy.sh',
  'test/support/standins/build-caddy.sh',
  'test/support/standins/build-node.sh',
  'test/support/standins/build-sim-host.sh',
  'test/support/standins/lib.sh',
  'test/support/sim/host/init.sh',
];

describe('shell scripts', () => {
  it.each(scripts)('%s passes shellcheck', async (script) => {
    // -x follows the files a script sources (the stand-in builders share lib.sh), from the repo root.
    const result = await run(['shellcheck', '--shell=bash', '--external-sources', path.join(repoRoot, script)], { cwd: repoRoot });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});
