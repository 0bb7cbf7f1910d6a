// bench/release.svg: what `npm run bench` measured during a release, drawn. One panel per run
// (berth's release, and the naive stop-then-run of the same images under the same load), each a bar
// per 100 ms: requests that succeeded, with the failed ones stacked on top in red, and the
// release's phases as labelled bands. Pure: data in, SVG text out (test/unit/release-chart.test.ts).

export interface ChartPhase {
  readonly name: string;
  /** ms from the start of the run. */
  readonly fromMs: number;
  readonly toMs: number;
}

export interface ChartPanel {
  readonly title: string;
  /** One entry per bucket, from the start of the run. */
  readonly buckets: readonly { readonly ok: number; readonly failed: number }[];
  readonly phases: readonly ChartPhase[];
  /** A line under the title: the load and what failed, as measured. */
  readonly caption: string;
}

const WIDTH = 960;
const PANEL_HEIGHT = 230;
const MARGIN = { left: 56, right: 16, top: 64, bottom: 34 };
const COLORS = { ok: '#4c78a8', failed: '#e45756', phase: ['#f2cf5b', '#9ecae9', '#88d27a', '#d6a5c9', '#bab0ac'] };

const escape = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const fixed = (x: number) => Math.round(x * 10) / 10;

/** A round step for an axis that spans `max`: 1, 2 or 5 times a power of ten, about 4 ticks, at least 1
 * (the axes count requests and whole seconds). */
export function niceStep(max: number): number {
  const raw = Math.max(max, 4) / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw)!;
}

export function renderReleaseChart(panels: readonly ChartPanel[], bucketMs = 100): string {
  const slots = Math.max(...panels.map((p) => p.buckets.length), 1);
  const yMax = Math.max(...panels.flatMap((p) => p.buckets.map((b) => b.ok + b.failed)), 1);
  const yStep = niceStep(yMax);
  const yTop = Math.ceil(yMax / yStep) * yStep;
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = PANEL_HEIGHT - MARGIN.top - MARGIN.bottom;
  const barW = plotW / slots;
  const xOf = (ms: number) => MARGIN.left + (ms / bucketMs) * barW;
  const yOf = (n: number) => MARGIN.top + plotH - (n / yTop) * plotH;
  const seconds = (slots * bucketMs) / 1000;
  const xStep = niceStep(seconds);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${PANEL_HEIGHT * panels.length + 30}" viewBox="0 0 ${WIDTH} ${PANEL_HEIGHT * panels.length + 30}" font-family="sans-serif" font-size="12">`);
  out.push(`<rect width="100%" height="100%" fill="#ffffff"/>`);
  panels.forEach((panel, i) => {
    out.push(`<g transform="translate(0 ${i * PANEL_HEIGHT})">`);
    out.push(`<text x="${MARGIN.left}" y="20" font-size="15" font-weight="bold">${escape(panel.title)}</text>`);
    out.push(`<text x="${MARGIN.left}" y="38" fill="#444">${escape(panel.caption)}</text>`);
    panel.phases.forEach((phase, k) => {
      const x = xOf(phase.fromMs);
      const w = Math.max(xOf(phase.toMs) - x, 1.5);
      out.push(`<rect class="phase" x="${fixed(x)}" y="${MARGIN.top}" width="${fixed(w)}" height="${plotH}" fill="${COLORS.phase[k % COLORS.phase.length]}" fill-opacity="0.35"><title>${escape(`${phase.name}: ${((phase.toMs - phase.fromMs) / 1000).toFixed(1)} s`)}</title></rect>`);
      out.push(`<text x="${fixed(x + 2)}" y="${MARGIN.top - 6 - (k % 2) * 12}" fill="#333" font-size="11">${escape(phase.name)}</text>`);
    });
    for (let y = 0; y <= yTop; y += yStep) {
      out.push(`<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${fixed(yOf(y))}" y2="${fixed(yOf(y))}" stroke="#ddd"/>`);
      out.push(`<text x="${MARGIN.left - 6}" y="${fixed(yOf(y) + 4)}" text-anchor="end" fill="#555">${y}</text>`);
    }
    panel.buckets.forEach((b, k) => {
      const x = fixed(MARGIN.left + k * barW);
      const w = fixed(Math.max(barW - 0.6, 0.6));
      if (b.ok > 0) out.push(`<rect class="ok" x="${x}" y="${fixed(yOf(b.ok))}" width="${w}" height="${fixed(yOf(0) - yOf(b.ok))}" fill="${COLORS.ok}"/>`);
      if (b.failed > 0) out.push(`<rect class="failed" x="${x}" y="${fixed(yOf(b.ok + b.failed))}" width="${w}" height="${fixed(yOf(b.ok) - yOf(b.ok + b.failed))}" fill="${COLORS.failed}"/>`);
    });
    for (let s = 0; s <= seconds; s += xStep) {
      out.push(`<text x="${fixed(xOf(s * 1000))}" y="${PANEL_HEIGHT - MARGIN.bottom + 16}" text-anchor="middle" fill="#555">${s} s</text>`);
    }
    out.push(`<text x="14" y="${MARGIN.top + plotH / 2}" transform="rotate(-90 14 ${MARGIN.top + plotH / 2})" text-anchor="middle" fill="#555">requests / ${bucketMs} ms</text>`);
    out.push('</g>');
  });
  const legendY = PANEL_HEIGHT * panels.length + 14;
  out.push(`<rect x="${MARGIN.left}" y="${legendY - 9}" width="10" height="10" fill="${COLORS.ok}"/><text x="${MARGIN.left + 14}" y="${legendY}">succeeded</text>`);
  out.push(`<rect x="${MARGIN.left + 100}" y="${legendY - 9}" width="10" height="10" fill="${COLORS.failed}"/><text x="${MARGIN.left + 114}" y="${legendY}">failed</text>`);
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}
