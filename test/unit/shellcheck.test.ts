// Every shell script berth runs passes shellcheck, the host's deploy script included (the files it
// sources, the host settings and a release, are checked as rendered in userdata and release tests).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../../ops/run.js';
import { repoRoot } from '../support/engine-setup.js';

const scripts = [
  '.ci/run',
  'infra/host/deploy.sh',
  'sim/images/build-caddy.sh',
  'sim/images/build-node.sh',
  'sim/images/build-python.sh',
  'sim/images/build-sim-host.sh',
  'sim/images/lib.sh',
  'sim/host/init.sh',
];

describe('shell scripts', () => {
  it.each(scripts)('%s passes shellcheck', async (script) => {
    // -x follows the files a script sources (the stand-in builders share lib.sh), from the repo root.
    const result = await run(['shellcheck', '--shell=bash', '--external-sources', path.join(repoRoot, script)], { cwd: repoRoot });
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});
