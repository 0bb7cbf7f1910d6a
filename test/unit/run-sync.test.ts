// The synchronous half of the one argv runner (ops/run.ts), as the ops scripts use it: arguments go
// to the program as they are (no shell), output is captured or the terminal handed over, and a
// program that fails or cannot start is told apart.
import { describe, expect, it } from 'vitest';
import os from 'node:os';
import { checkSync, runAttached, runSync } from '../../ops/run.js';

describe('runSync', () => {
  it('captures stdout and stderr, gives each argument as one word, and takes cwd, env and input', () => {
    const r = runSync(['sh', '-c', 'printf "%s|%s|%s|" "$1" "$PWD" "$BERTH_T"; cat; echo oops >&2; exit 3', 'sh', 'a b; $(x)'], {
      cwd: os.tmpdir(),
      env: { ...process.env, BERTH_T: 'set' },
      input: 'in',
    });
    expect(r).toEqual({ code: 3, stdout: `a b; $(x)|${os.tmpdir()}|set|in`, stderr: 'oops\n' });
  });

  it('reports a program that cannot start as an error, with no exit code', () => {
    const r = runSync(['berth-no-such-program']);
    expect(r.code).toBeNull();
    expect(r.error?.message).toMatch(/ENOENT/);
  });
});

describe('checkSync', () => {
  it("returns stdout, and throws on a non-zero exit with the command and its stderr", () => {
    expect(checkSync(['sh', '-c', 'echo ok'])).toBe('ok\n');
    expect(() => checkSync(['sh', '-c', 'echo why >&2; exit 2'])).toThrow(/sh -c echo why >&2; exit 2 exited 2:\nwhy/);
    expect(() => checkSync(['berth-no-such-program'])).toThrow(/berth-no-such-program could not run: .*ENOENT/);
  });
});

describe('runAttached', () => {
  it('gives the exit code, and an error when the program cannot start', () => {
    expect(runAttached(['sh', '-c', 'exit 4'], { stdio: 'ignore' }).code).toBe(4);
    expect(runAttached(['berth-no-such-program'], { stdio: 'ignore' }).error).toBeDefined();
  });
});
