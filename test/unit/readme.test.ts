// The README shows the raw docker commands the local scripts run, and the command that runs the
// tests. These fail when either drifts from what the code does.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { shellLine } from '../../infra/app/docker-commands.js';
import { LOCAL_DEFAULTS, localPlan } from '../../ops/local/plan.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

describe('the README', () => {
  it('shows exactly the docker commands npm run local:* runs', () => {
    const block = /<!-- local-commands -->\n```sh\n([\s\S]*?)```\n<!-- \/local-commands -->/.exec(readme)?.[1];
    expect(block, 'the local-commands block').toBeDefined();
    const shown = block!.replace(/ \\\n\s*/g, ' ').trim().split('\n');
    expect(shown).toEqual(localPlan('print', LOCAL_DEFAULTS).map(shellLine));
  });

  it('and the guide name only npm scripts that package.json defines', () => {
    const scripts = Object.keys(JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).scripts);
    for (const file of ['README.md', 'docs/containers.md', 'docs/ko/containers.md']) {
      const named = [...readFileSync(path.join(root, file), 'utf8').matchAll(/npm run ([\w:-]*\w)(?![\w:*-])/g)].map((m) => m[1]!);
      expect(named.length, file).toBeGreaterThan(3);
      for (const script of new Set(named)) expect(scripts, `${file}: npm run ${script}`).toContain(script);
    }
  });

  it('names the test command that CI runs', () => {
    expect(readme).toContain('npm test ');
    const ci = readFileSync(path.join(root, '.ci/run'), 'utf8');
    expect(ci.trimEnd().split('\n').at(-1)).toBe('npm test');
    const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    expect(pkg.scripts.test).toBe('vitest run');
  });
});
