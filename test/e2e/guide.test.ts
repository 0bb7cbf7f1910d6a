// The container guide, docs/containers.md and its Korean twin docs/ko/containers.md, cannot rot:
// every ```sh block is run here, in document order, in one bash session with `set -euo pipefail`,
// against a berth container of its own (the guide's first block reads IMAGE, NAME and PORT, which
// this test sets to the e2e image and names of its own); every ```text block right after a command
// block is what that command must print; every command block that is not run says why, with
// <!-- not run: why -->. The two languages must hold the same commands and outputs, in the same
// order, so the translation cannot drift. Conventions: test/support/guide/markdown.ts.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { shellLine } from '../../infra/app/docker-commands.js';
import { type AppRelease, releaseRunArgv } from '../../infra/release/release.js';
import { LOCAL_DEFAULTS, localPlan } from '../../ops/local/plan.js';
import { Cleanup, uniqueName } from '../../sim/docker.js';
import { repoRoot } from '../support/engine-setup.js';
import { check, run } from '../../ops/run.js';
import {
  type Guide,
  GuideFormatError,
  comparable,
  headingAnchors,
  joinContinuations,
  localLinks,
  parseGuide,
  variableDefaults,
} from '../support/guide/markdown.js';
import { matchesOutput, substitute } from '../support/guide/match.js';
import { describeFailure, runGuide } from '../support/guide/runner.js';
import { DEFAULT_APP, DEFAULT_RELEASE_POLICY } from '../../infra/config/schema.js';

const GUIDES = { en: 'docs/containers.md', ko: 'docs/ko/containers.md' } as const;
const load = (file: string): Guide => parseGuide(file, readFileSync(path.join(repoRoot, file), 'utf8'));
const runnable = (g: Guide) => g.commands.filter((b) => b.notRun === undefined);

const cleanup = new Cleanup();
afterAll(() => cleanup.run());

describe('the guide as text', () => {
  it('puts every command in a ```sh block that is run or says why not', () => {
    for (const file of Object.values(GUIDES)) {
      const guide = load(file);
      expect(runnable(guide).length, `${file}: runnable blocks`).toBeGreaterThan(30);
      for (const block of guide.commands.filter((b) => b.notRun !== undefined)) {
        expect(block.notRun!.length, `${file}:${block.line}: the reason it is not run`).toBeGreaterThan(5);
      }
    }
  });

  it('rejects commands the test would not see, and markers without a reason', () => {
    const bad = (md: string) => () => parseGuide('x.md', md);
    expect(bad('```bash\nrm -rf /\n```\n')).toThrow(GuideFormatError);
    expect(bad('```\nls\n```\n')).toThrow(/fence language '' is not one of sh, text/);
    expect(bad('- item\n  ```sh\n  ls\n  ```\n')).toThrow(/at the start of the line/);
    expect(bad('~~~sh\nls\n~~~\n')).toThrow(GuideFormatError);
    expect(bad('<!-- not run -->\n```sh\nls\n```\n')).toThrow(/not <!-- not run: REASON -->/);
    expect(bad('```sh\nls\n')).toThrow(/never closed/);
    expect(bad('```sh\nls\n```\nIt prints:\n```text\nx\n```\n')).toThrow(/must come right after a sh block/);
    const ok = parseGuide('x.md', 'a\n```sh\nls\n```\n```text\nx\n```\n```text\ny\n```\n\n<!-- not run: needs AWS -->\n```sh\npulumi up\n```\n');
    expect(ok.commands.map((b) => [b.notRun, b.outputs])).toEqual([[undefined, ['x', 'y']], ['needs AWS', []]]);
  });

  it('has the same commands and outputs in English and Korean, in the same order', () => {
    const [en, ko] = [load(GUIDES.en), load(GUIDES.ko)];
    expect(ko.commands.map(comparable)).toEqual(en.commands.map(comparable));
    const hostRun = (g: Guide) => g.texts.filter((t) => t.marker === 'host-docker-run').map((t) => t.text);
    expect(hostRun(ko)).toEqual(hostRun(en));
  });

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const file of Object.values(GUIDES)) {
      const markdown = readFileSync(path.join(repoRoot, file), 'utf8');
      for (const { line, target } of localLinks(markdown)) {
        const [pathPart, anchor] = target.split('#') as [string, string | undefined];
        const resolved = pathPart ? path.resolve(path.dirname(path.join(repoRoot, file)), pathPart) : path.join(repoRoot, file);
        if (!existsSync(resolved)) broken.push(`${file}:${line}: ${target}: no such file`);
        else if (anchor && resolved.endsWith('.md') && !headingAnchors(readFileSync(resolved, 'utf8')).has(anchor)) {
          broken.push(`${file}:${line}: ${target}: no such heading`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('reads IMAGE, NAME and PORT in its first block, with defaults a reader can use', () => {
    const first = runnable(load(GUIDES.en))[0]!;
    expect([...variableDefaults(first)]).toEqual([
      ['IMAGE', `${LOCAL_DEFAULTS.image}`],
      ['NAME', 'berth-guide'],
      ['PORT', '8081'],
    ]);
  });

  it('starts its container with exactly the flags npm run local:run uses', async () => {
    const block = runnable(load(GUIDES.en)).find((b) => b.text.startsWith('docker run --detach --name "$NAME"'));
    expect(block, 'the block that starts the guide container').toBeDefined();
    // bash itself splits the block into words, with the variables set as npm run local:run's defaults.
    const script = `docker() { printf '%s\\n' docker "$@"; }\nIMAGE=${LOCAL_DEFAULTS.image} NAME=${LOCAL_DEFAULTS.name} PORT=${LOCAL_DEFAULTS.port}\n${block!.text}\n`;
    const argv = (await check(['bash', '-euo', 'pipefail', '-c', script])).trimEnd().split('\n');
    expect(argv).toEqual([...localPlan('run', LOCAL_DEFAULTS)[0]!]);
  });

  it("shows the EC2 host's docker run as infra/release/release.ts renders it", () => {
    const shown = load(GUIDES.en).texts.filter((t) => t.marker === 'host-docker-run');
    expect(shown).toHaveLength(1);
    const release: AppRelease = {
      imageRef: `docker.io/youruser/berth-notes@sha256:${'0123456789abcdef'.repeat(4)}`,
      registry: 'docker.io',
      registryUsername: 'youruser',
      registryToken: { name: '/berth/dev/registry-token', version: 1 },
      secretEnv: { API_KEY: { name: '/berth/dev/secret-env/API_KEY', version: 1 } },
      env: { GREETING: 'hello from EC2' },
      policy: DEFAULT_RELEASE_POLICY,
    };
    const rendered = shellLine(releaseRunArgv(DEFAULT_APP, release));
    expect(matchesOutput(rendered, joinContinuations(shown[0]!.text)), `rendered: ${rendered}`).toBe(true);
  });
});

describe('the output patterns', () => {
  it('match line for line, with … for what varies', () => {
    expect(matchesOutput('a 123 b\n', 'a … b')).toBe(true);
    expect(matchesOutput('a\nb\nc\n', 'a\n…\nc')).toBe(true);
    expect(matchesOutput('a\nc\n', 'a\n…\nc')).toBe(true);
    expect(matchesOutput('a\nb\n', 'a')).toBe(false);
    expect(matchesOutput('x.y', 'x…y')).toBe(true);
    expect(matchesOutput('xzy', 'x.y')).toBe(false);
    expect(matchesOutput('PID    UID\n1 \t 2', 'PID UID\n1 2')).toBe(true);
    expect(substitute('berth-guide on 8081', new Map([['berth-guide', 'n-8081'], ['8081', '9']]))).toBe('n-8081 on 9');
  });
});

describe('the runner', () => {
  it('stops at a failing block and shows the block and its output', async () => {
    const blocks = ['echo one', 'echo "about to fail"\nfalse | true\necho "not here"', 'echo never'];
    const result = await runGuide(blocks, { cwd: repoRoot, env: process.env, timeoutMs: 20_000 });
    expect(result.ok).toBe(false);
    expect(result.blocks.map((b) => b.output.trim())).toEqual(['one', 'about to fail']);
    const message = describeFailure(result, (i) => `block ${i + 1}`);
    expect(message).toContain('guide block 2 (block 2) exited with code 1');
    expect(message).toContain('false | true');
    expect(message).toContain('about to fail');
  });

  it('keeps one shell session across blocks, and passes a full run', async () => {
    const result = await runGuide(['X=${X:-1}', 'echo "x is $X" >&2'], { cwd: repoRoot, env: { ...process.env, X: '7' }, timeoutMs: 20_000 });
    expect(result.ok).toBe(true);
    expect(result.blocks.map((b) => b.output.trim())).toEqual(['', 'x is 7']);
  });
});

describe('the guide on the real engine', () => {
  it('runs every command block in order, and each prints what the guide shows', async () => {
    const en = load(GUIDES.en);
    const blocks = runnable(en);
    const defaults = variableDefaults(blocks[0]!);

    const name = uniqueName('guide');
    const port = await freePort();
    const tmp = cleanup.dir(mkdtempSync(path.join(os.tmpdir(), 'berth-guide-')));
    cleanup.later(() => removeByPrefix(name));
    const values = new Map([
      ['IMAGE', inject('appImage')],
      ['NAME', name],
      ['PORT', String(port)],
    ]);
    const env: NodeJS.ProcessEnv = { ...process.env, ...Object.fromEntries(values), TMPDIR: tmp };
    env.PATH = `${await sudoShim(tmp)}${env.PATH}`;

    const result = await runGuide(
      blocks.map((b) => b.text),
      { cwd: repoRoot, env, timeoutMs: 150_000 },
    );
    if (!result.ok) throw new Error(describeFailure(result, (i) => `${en.file}:${blocks[i]!.line}`));
    console.log(`the guide's ${blocks.length} command blocks ran in ${(result.ms / 1000).toFixed(1)} s`);

    // The guide's defaults stand where the test used its own values.
    const replacements = new Map([...defaults].map(([k, v]) => [v, values.get(k)!] as const));
    const mismatches = blocks.flatMap((block, i) => {
      if (block.outputs.length === 0) return [];
      const actual = result.blocks[i]!.output;
      const shown = block.outputs.map((o) => substitute(o, replacements));
      if (shown.some((o) => matchesOutput(actual, o))) return [];
      return [
        [
          `${en.file}:${block.line}: the output is not what the guide shows`,
          '```sh', block.text, '```',
          ...shown.flatMap((o, k) => [k === 0 ? 'the guide shows:' : 'or:', o]),
          'it printed:', actual.trimEnd(),
        ].join('\n'),
      ];
    });
    if (mismatches.length > 0) throw new Error(mismatches.join('\n\n'));

    // What the guide promises about berth's container, and has just been checked against it.
    const shown = blocks.flatMap((b) => b.outputs).join('\n');
    expect(shown).toContain('"pid":1,"uid":1000,"gid":1000');
    expect(shown).toContain('"memoryLimitBytes":268435456');
    expect(shown).toMatch(/^memory\/memory\.limit_in_bytes:268435456$/m);
    expect(shown).toMatch(/^memory\.max:268435456$/m);
    expect(shown).toMatch(/^268435456 \d+ 1000000000 100$/m);
    expect(shown).toMatch(/^1 node dist\/main\.js$/m);
    expect(shown).toMatch(/^uid=1000\(node\) gid=1000\(node\)/m);
    expect(shown).toContain('PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"');
    expect(shown).toMatch(/^user: shared with the host$/m);
    expect(shown).toMatch(/^CapEff:\s+0{16}$/m);
    expect(shown).toContain("touch: cannot touch '/app/x': Read-only file system");
    expect(shown).toMatch(/^\{"8080\/tcp":\{\}\}\nberth-guide-unpublished: 8080\/tcp$/m);
    expect(shown).toMatch(/^berth-guide: 127\.0\.0\.1:8081->8080\/tcp$/m);
    expect(shown).toContain('OOMKilled=true');
    expect(shown).toContain('json-file map[max-file:3 max-size:10m]');
  }, 200_000);
});

/** A free port on the loopback, for the guide's PORT. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The guide uses sudo where a reader needs root. Test machines run as root and may lack sudo. */
async function sudoShim(tmp: string): Promise<string> {
  if ((await run(['sh', '-c', 'command -v sudo'])).code === 0 || process.getuid?.() !== 0) return '';
  const bin = path.join(tmp, 'bin');
  mkdirSync(bin);
  writeFileSync(path.join(bin, 'sudo'), '#!/bin/sh\n# root already: run the command as it is\nexec "$@"\n', { mode: 0o755 });
  return `${bin}:`;
}

/** Everything the guide made under the test's NAME: its containers, then its volumes. */
async function removeByPrefix(name: string): Promise<void> {
  const containers = (await run(['docker', 'ps', '--all', '--quiet', '--filter', `name=^${name}`])).stdout.split('\n').filter(Boolean);
  if (containers.length > 0) await run(['docker', 'rm', '--force', '--volumes', ...containers]);
  const volumes = (await run(['docker', 'volume', 'ls', '--quiet', '--filter', `name=^${name}`])).stdout.split('\n').filter(Boolean);
  if (volumes.length > 0) await run(['docker', 'volume', 'rm', '--force', ...volumes]);
}
