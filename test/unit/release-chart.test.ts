// bench/release.svg is drawn from what the bench measured: a bar per 100 ms of requests that
// succeeded and failed, and the release's phases read from the host's Docker events.
import { describe, expect, it } from 'vitest';
import { niceStep, renderReleaseChart } from '../../bench/release-chart.js';
import { type DockerEvent, berthReleasePhases, naiveReleasePhases } from '../../bench/release-phases.js';
import { buckets } from '../../sim/timeline.js';

const ORIGIN = 1_700_000_000_000;
const event = (Type: string, Action: string, atMs: number, ID: string, name?: string): DockerEvent => ({
  Type, Action, timeNano: (ORIGIN + atMs) * 1e6, Actor: { ID, ...(name ? { Attributes: { name } } : {}) },
});

describe('the release chart', () => {
  it('puts each request in its 100 ms bucket, failures apart from successes', () => {
    const b = buckets({ seconds: 0.3, events: [{ atMs: 5, ok: true }, { atMs: 99, ok: true }, { atMs: 100, ok: false, why: 'ECONNREFUSED' }, { atMs: 250, ok: true }] });
    expect(b).toEqual([{ ok: 2, failed: 0 }, { ok: 0, failed: 1 }, { ok: 1, failed: 0 }]);
  });

  it('draws a bar for every bucket with requests, red ones only where requests failed', () => {
    const svg = renderReleaseChart([
      { title: 'berth', caption: 'c', buckets: [{ ok: 10, failed: 0 }, { ok: 12, failed: 0 }], phases: [] },
      { title: 'naive', caption: 'c', buckets: [{ ok: 10, failed: 0 }, { ok: 0, failed: 7 }, { ok: 0, failed: 0 }], phases: [{ name: 'stop + remove', fromMs: 100, toMs: 200 }] },
    ]);
    expect(svg.match(/class="ok"/g)).toHaveLength(3);
    expect(svg.match(/class="failed"/g)).toHaveLength(1);
    expect(svg).toContain('stop + remove');
    // Well-formed enough for a browser: one root, every tag closed, text escaped.
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    expect(renderReleaseChart([{ title: 'a < b & c', caption: '', buckets: [], phases: [] }])).toContain('a &lt; b &amp; c');
  });

  it('scales its axes in round steps', () => {
    expect([niceStep(7), niceStep(40), niceStep(230), niceStep(0)]).toEqual([2, 10, 100, 1]);
  });
});

describe("a release's phases, from the host's Docker events", () => {
  it("berth's release: fetch and pull, health gate, the two renames, the settle, the old container stopped, then removed with the image prune", () => {
    const events = [
      event('image', 'pull', 3400, 'registry/berth/notes@sha256:b'),
      event('container', 'create', 3600, 'new', 'berth-notes-r2'),
      event('container', 'start', 3700, 'new', 'berth-notes-r2'),
      event('container', 'rename', 5000, 'old', 'berth-notes-retiring-r1'),
      event('container', 'rename', 5010, 'new', 'berth-notes'),
      event('container', 'kill', 7100, 'old', 'berth-notes-retiring-r1'),
      event('container', 'die', 7300, 'old', 'berth-notes-retiring-r1'),
      event('container', 'destroy', 7400, 'old', 'berth-notes-retiring-r1'),
    ];
    expect(berthReleasePhases(events, ORIGIN, 3000, 7600, 'berth-notes')).toEqual([
      { name: 'fetch, login, pull', fromMs: 3000, toMs: 3600 },
      { name: 'health gate', fromMs: 3600, toMs: 5000 },
      { name: 'switch', fromMs: 5000, toMs: 5010 },
      { name: 'settle', fromMs: 5010, toMs: 7100 },
      { name: 'stop old', fromMs: 7100, toMs: 7300 },
      { name: 'remove, prune', fromMs: 7300, toMs: 7600 },
    ]);
    // No pull when the image is on the host already (a rollback).
    expect(berthReleasePhases(events.slice(1), ORIGIN, 3000, 7600, 'berth-notes')[0]!.name).toBe('fetch, login');
  });

  it('a release the events do not explain is drawn as one phase, not guessed', () => {
    expect(berthReleasePhases([], ORIGIN, 3000, 9000, 'berth-notes')).toEqual([{ name: 'release', fromMs: 3000, toMs: 9000 }]);
  });

  it('the naive baseline: stop and remove, then start until it answers', () => {
    const events = [event('container', 'kill', 3100, 'a', 'berth-naive'), event('container', 'destroy', 3400, 'a', 'berth-naive'), event('container', 'create', 3500, 'b', 'berth-naive')];
    expect(naiveReleasePhases(events, ORIGIN, 3000, 4200, 'berth-naive')).toEqual([
      { name: 'stop + remove', fromMs: 3000, toMs: 3500 },
      { name: 'start, until it answers', fromMs: 3500, toMs: 4200 },
    ]);
  });
});
