// Every shell script berth runs passes shellcheck. (The host's deploy script is checked as the
// user-data renders it, in userdata.test.ts: on its own it is a fragment without its release.)
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../support/exec.js';
import { repoRoot } from '../support/engine-setup.js';

const scripts = [
  '.ci/run',
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
