import { formatFigure, formatMeasured, passed, type Check } from './checks.js';
import type { BenchResults } from './results.js';
import { median } from './stats.js';

// A hand-drawn SVG: two bar panels, no dependencies.
const LABEL_W = 330;
const BAR_W = 380;
/** Room right of the longest bar for its figure. */
const WIDTH = LABEL_W + BAR_W + 190;
const ROW = 24;
const FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="12"';
const TITLE_FONT = 'font-family="Helvetica, Arial, sans-serif" font-size="14" font-weight="bold"';
const OURS = '#2b6cb0';
const OTHERS = '#a0aec0';
const PASS = '#38a169';
const FAIL = '#e53e3e';
/** The score bar's scale ends here: twice the target is plenty to show the margin. */
const SCORE_MAX = 2;

const escape = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

interface Bar {
  label: string;
  /** Bar length as a fraction of the panel's width, 0..1. */
  fraction: number;
  color: string;
  text: string;
}

function panel(title: string, bars: Bar[], top: number, marker?: { fraction: number; label: string }): string {
  const parts = [`<text x="10" y="${top + 16}" ${TITLE_FONT}>${escape(title)}</text>`];
  // The target line first, so the bars and their figures are drawn over it.
  if (marker !== undefined) {
    const x = (LABEL_W + marker.fraction * BAR_W).toFixed(1);
    const bottom = top + 28 + bars.length * ROW;
    parts.push(
      `<line x1="${x}" y1="${top + 24}" x2="${x}" y2="${bottom}" stroke="#2d3748" stroke-dasharray="4 3"/>`,
      `<text x="${x}" y="${bottom + 12}" ${FONT} text-anchor="middle">${escape(marker.label)}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + 28 + i * ROW;
    const w = Math.max(1, bar.fraction * BAR_W);
    parts.push(
      `<text x="${LABEL_W - 8}" y="${y + 15}" ${FONT} text-anchor="end">${escape(bar.label)}</text>`,
      `<rect x="${LABEL_W}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW - 8}" fill="${bar.color}"/>`,
      `<text x="${(LABEL_W + w + 6).toFixed(1)}" y="${y + 15}" ${FONT}>${escape(bar.text)}</text>`,
    );
  });
  return parts.join('\n');
}

const panelHeight = (bars: number): number => 28 + bars * ROW + 24;

/** How far a check is from its target: 1 is on it, above 1 passes (for either direction). */
function score(check: Check): number {
  if (!check.measured.ok) return 0;
  const value = check.measured.value;
  const ratio = check.atLeast ? value / check.target : value <= 0 ? SCORE_MAX : check.target / value;
  return Math.min(ratio, SCORE_MAX);
}

export function renderChart(results: BenchResults, checks: Check[]): string {
  const measured = [...results.hello].flatMap(([id, o]) => (o.ok ? [{ id, rps: median(o.value.map((r) => r.requestsPerSec)) }] : []));
  const top = Math.max(1, ...measured.map((m) => m.rps));
  const helloBars: Bar[] = measured.map(({ id, rps }) => ({
    label: results.contenders[id].label,
    fraction: rps / top,
    color: id === 'wsgi-server' || id.endsWith('-wsgi') ? OURS : OTHERS,
    text: `${rps.toFixed(0)} req/s`,
  }));
  const checkBars: Bar[] = checks.map((check) => ({
    label: check.name,
    fraction: score(check) / SCORE_MAX,
    color: passed(check) ? PASS : FAIL,
    text: check.measured.ok
      ? `${formatMeasured(check.measured.value, check)} (${check.atLeast ? '>=' : '<='} ${formatFigure(check.target, check.unit)})`
      : 'not available',
  }));
  const m = results.machine;
  const secondTop = 40 + panelHeight(helloBars.length);
  const height = secondTop + panelHeight(checkBars.length) + 10;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}">`,
    `<rect width="${WIDTH}" height="${height}" fill="white"/>`,
    `<text x="10" y="20" ${FONT} fill="#4a5568">${escape(`${results.date} · ${m.cpu}, ${m.cores} cores · Node ${m.node}`)}</text>`,
    panel(`Hello world, keep-alive, ${results.settings.connections} connections (median req/s)`, helloBars, 30),
    panel('Targets: measured against wanted (the line is the target; right of it passes)', checkBars, secondTop,
      { fraction: 1 / SCORE_MAX, label: 'target' }),
    '</svg>',
    '',
  ].join('\n');
}
