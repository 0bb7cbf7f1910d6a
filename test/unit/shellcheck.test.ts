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
  'test/support/sim/host/init.sh',
];

describe('shell scripts', () => {
  it.each(scripts)('%s passes shellcheck', async (script) => {
    const result = await run(['shellcheck', '--shell=bash', path.join(repoRoot, script)]);
    expect(result.stdout).toBe('');
    expect(result.code).toBe(0);
  });
});
