import { formatFigure, formatMeasured, pairedRatio, passed, type Check } from './checks.js';
import { cpuMicrosPerRequest } from './hello.js';
import type { BenchResults, Transfer } from './results.js';
import { describePinning } from './pinning.js';
import { describeSettings, SETTING_VARIABLES } from './settings.js';
import { median } from './stats.js';

/** A Markdown table padded to line up, so the same text reads well in a terminal. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]): string => `| ${cells.map((cell, i) => cell.padEnd(widths[i]!)).join(' | ')} |`;
  return [line(headers), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

function verdict(check: Check): string {
  if (!check.measured.ok) return 'FAIL (not available)';
  if ((check.errors ?? 0) > 0) return `FAIL (${check.errors} wrk errors)`;
  return passed(check) ? 'pass' : 'FAIL';
}

export function checksTable(checks: Check[]): string {
  return table(['target', 'measured', 'wanted', 'result'], checks.map((check) => [
    check.name,
    check.measured.ok ? formatMeasured(check.measured.value, check) : 'n/a',
    `${check.atLeast ? '>=' : '<='} ${formatFigure(check.target, check.unit)}`,
    verdict(check),
  ]));
}

function helloTable(results: BenchResults): string {
  const baseline = results.hello.get('node-http');
  const rows = [...results.hello].map(([id, outcome]) => {
    const label = results.contenders[id].label;
    if (!outcome.ok) return [label, 'not available', '', '', '', ''];
    const rps = outcome.value.map((r) => r.requestsPerSec);
    const vsBare = baseline?.ok ? formatFigure(pairedRatio(rps, baseline.value.map((r) => r.requestsPerSec)), 'percent') : '';
    const errors = outcome.value.reduce((sum, r) => sum + r.errors, 0);
    return [label, median(rps).toFixed(0), median(outcome.value.map((r) => r.p99Ms)).toFixed(2), vsBare,
      median(outcome.value.map(cpuMicrosPerRequest)).toFixed(1), errors === 0 ? '' : `${errors} errors`];
  });
  return table(['server', 'req/s', 'p99 ms', 'vs node:http', 'server CPU µs/req', 'notes'], rows);
}

/** The command's workers: 2 against 1, in req/s and in CPU per request (every process counted). */
function commandLines(results: BenchResults): string[] {
  const [one, two] = [results.hello.get('cli-1'), results.hello.get('cli-2')];
  if (!one?.ok || !two?.ok) return [];
  const cpu = (rounds: typeof one.value): string => `${median(rounds.map(cpuMicrosPerRequest)).toFixed(1)} µs`;
  const ratio = pairedRatio(two.value.map((r) => r.requestsPerSec), one.value.map((r) => r.requestsPerSec));
  return [
    `The command with 2 workers made ${formatFigure(ratio, 'percent')} of the req/s of 1 worker, at ${cpu(two.value)} of CPU per ` +
    `request against ${cpu(one.value)} (primary and workers counted). See bench/README.md for what a machine of this size can show.`,
    '',
  ];
}

function streamsTable(results: BenchResults): string {
  const figures = (t: Transfer): string[] =>
    [median(t.mibPerSec).toFixed(0), `${Math.max(...t.rssOverIdleMiB).toFixed(1)} MiB`];
  const rows = [...results.streams].map(([id, outcome]) => outcome.ok
    ? [results.contenders[id].label, `${outcome.value.idleMiB.toFixed(1)} MiB`, ...figures(outcome.value.upload),
      ...figures(outcome.value.download), ...figures(outcome.value.slowDownload)]
    : [results.contenders[id].label, 'not available', '', '', '', '', '', '']);
  return table(['server', 'idle RSS', 'upload MiB/s', 'RSS over idle', 'download MiB/s', 'RSS over idle',
    'slow client MiB/s', 'RSS over idle'], rows);
}

/** How much the hypervisor took during the kept figures, and how often a round was taken again. */
function stealSummary(results: BenchResults): string {
  const { steal: guard } = results;
  const kept = [
    ...[...results.hello.values()].flatMap((o) => (o.ok ? o.value.map((round) => round.stealPercent) : [])),
    ...[...results.streams.values()].flatMap((o) => (o.ok ? [...o.value.upload.stealPercent, ...o.value.download.stealPercent] : [])),
  ];
  const figure = (value: number): string => `${value.toFixed(1)}%`;
  return 'Steal (the share of CPU time the hypervisor gave to other guests, from /proc/stat) is read around every figure: ' +
    `a group's round in which it passed ${figure(guard.limitPercent)} was taken again, after waiting for a quiet moment, ` +
    `up to ${guard.tries} tries. This run took ${guard.retakes} rounds again` +
    `${guard.keptNoisy > 0 ? ` and kept ${guard.keptNoisy} above the limit (the least disturbed try)` : ''}; ` +
    `steal during the kept figures: median ${figure(median(kept))}, highest ${figure(Math.max(0, ...kept))}.`;
}

/** Why each missing contender is missing, said once. */
function missing(results: BenchResults): string[] {
  const reasons = new Map<string, string>();
  for (const outcomes of [results.hello, results.streams]) {
    for (const [id, outcome] of outcomes) if (!outcome.ok) reasons.set(results.contenders[id].label, outcome.reason);
  }
  if (reasons.size === 0) return [];
  return ['## Not available', '', ...[...reasons].map(([label, reason]) => `- ${label}: ${reason}`), ''];
}

/** The whole report as Markdown: machine, targets, then every figure behind them. */
export function renderReport(results: BenchResults, checks: Check[], chartFile: string | null): string {
  const { machine: m, settings: s } = results;
  const tools = Object.entries(results.tools).map(([name, version]) => `${name}: ${version}`).join('; ');
  const env = describeSettings(s);
  return [
    '# wsgi-bridge benchmark',
    '',
    `${results.date} · ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB · ${m.os} · Node ${m.node} · load average ${m.loadAtStart.toFixed(2)} at start` +
    `${m.loadAtEnd === undefined ? '' : `, ${m.loadAtEnd.toFixed(2)} at the end`}`,
    '',
    `Tools: ${tools}.`,
    '',
    `Each server runs in its own process. ${describePinning(results.pinning)} Hello world: wrk, 1 thread, ${s.connections} keep-alive connections, ` +
    `${s.rounds} rounds of ${s.seconds} s per server (after ${s.warmupSeconds} s of warm-up); in each round the servers compared run back to back, in an order that rotates from round to round; ` +
    'req/s, p99 and server CPU time per request (from /proc) are medians over rounds, and every ratio is the median ' +
    'of the ratios taken within each round. ' +
    `Streams: ${s.streamMiB} MiB bodies in 64 KiB chunks, ${s.streamRounds} rounds each, plus one download read at ${s.slowMiBps} MiB/s; ` +
    'RSS is sampled from /proc every 20 ms, and the figure is the highest peak above the server\'s idle RSS in any transfer, retaken rounds included. ' +
    'Access logs are off everywhere.',
    '',
    stealSummary(results),
    '',
    '## Targets',
    '',
    checksTable(checks),
    '',
    '## Hello world',
    '',
    helloTable(results),
    '',
    ...commandLines(results),
    ...Object.values(results.contenders).map((c) => `- ${c.label}: ${c.about}`),
    '',
    '## Streams',
    '',
    streamsTable(results),
    '',
    ...missing(results),
    ...(chartFile === null ? [] : [`![Benchmark chart](${chartFile})`, '']),
    `Reproduce: \`${env === '' ? '' : `${env} `}npm run bench\` (settings: ${SETTING_VARIABLES.join(', ')}).`,
    '',
  ].join('\n');
}
