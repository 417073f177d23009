import type { ContenderId } from './contenders.js';
import type { BenchResults, HelloRounds, Outcome, StreamRounds, Transfer } from './results.js';
import { cpuMicrosPerRequest } from './hello.js';
import { median } from './stats.js';

type Unit = 'percent' | 'times' | 'MiB';

/** One target (of issues 7, 15, 16, 18 and 20) and what this run measured for it. */
export interface Check {
  name: string;
  /** The measured figure, or why there is none. */
  measured: Outcome<number>;
  atLeast: boolean;
  target: number;
  unit: Unit;
  /** wrk's socket errors and non-2xx/3xx answers in the rounds behind the figure: any fails it. */
  errors?: number;
}

export const passed = (check: Check): boolean =>
  check.measured.ok && (check.errors ?? 0) === 0 &&
  (check.atLeast ? check.measured.value >= check.target : check.measured.value <= check.target);

/** The median over rounds of a/b, each ratio taken within one round (absolute figures drift). */
export function pairedRatio(a: readonly number[], b: readonly number[]): number {
  return median(a.map((value, i) => value / b[i]!));
}

const NOT_MEASURED: Outcome<number> = { ok: false, reason: 'not measured' };

function one<A>(a: Outcome<A> | undefined, f: (a: A) => number): Outcome<number> {
  if (a === undefined) return NOT_MEASURED;
  return a.ok ? { ok: true, value: f(a.value) } : a;
}

function both<A, B>(a: Outcome<A> | undefined, b: Outcome<B> | undefined, f: (a: A, b: B) => number): Outcome<number> {
  if (a === undefined) return NOT_MEASURED;
  if (!a.ok) return a;
  return one(b, (value) => f(a.value, value));
}

const rps = (rounds: HelloRounds): number[] => rounds.map((r) => r.requestsPerSec);
const p99 = (rounds: HelloRounds): number[] => rounds.map((r) => r.p99Ms);
const cpu = (rounds: HelloRounds): number[] => rounds.map(cpuMicrosPerRequest);

export function evaluate(results: BenchResults): Check[] {
  const hello = (id: ContenderId): Outcome<HelloRounds> | undefined => results.hello.get(id);
  const stream = results.streams.get('wsgi-server');
  const bare = results.streams.get('node-http');
  const throughput = (pick: (s: StreamRounds) => Transfer) =>
    both(stream, bare, (ours, theirs) => pairedRatio(pick(ours).mibPerSec, pick(theirs).mibPerSec));
  // The worst transfer (retaken ones too), not the median: the target is a ceiling on every transfer.
  const memory = (pick: (s: StreamRounds) => Transfer) =>
    one(stream, (ours) => Math.max(...pick(ours).rssOverIdleMiB));
  const errorsOf = (id: ContenderId): number => {
    const outcome = hello(id);
    return outcome?.ok ? outcome.value.reduce((sum, round) => sum + round.errors, 0) : 0;
  };
  const errors = (...ids: ContenderId[]): number => ids.reduce((sum, id) => sum + errorsOf(id), 0);
  const requests = (ours: ContenderId, theirs: ContenderId) => ({
    measured: both(hello(ours), hello(theirs), (a, b) => pairedRatio(rps(a), rps(b))),
    errors: errors(ours, theirs),
  });
  // Server CPU per request, ours over theirs: what the WSGI layer costs, whatever the load.
  const cpuCost = (ours: ContenderId, theirs: ContenderId) => ({
    measured: both(hello(ours), hello(theirs), (a, b) => pairedRatio(cpu(a), cpu(b))),
    errors: errors(ours, theirs),
  });

  return [
    { name: 'standalone / node:http, req/s', ...requests('wsgi-server', 'node-http'), atLeast: true, target: 0.9, unit: 'percent' },
    { name: 'standalone / eventlet.wsgi, req/s', ...requests('wsgi-server', 'eventlet'), atLeast: true, target: 5, unit: 'times' },
    { name: 'Fastify + wsgiPlugin / native route, req/s', ...requests('fastify-wsgi', 'fastify-native'), atLeast: true, target: 0.9, unit: 'percent' },
    { name: 'Express + wsgiMount / native handler, req/s', ...requests('express-wsgi', 'express-native'), atLeast: true, target: 0.95, unit: 'percent' },
    { name: 'Hono + toFetchHandler / native route, req/s', ...requests('hono-wsgi', 'hono-native'), atLeast: true, target: 0.9, unit: 'percent' },
    { name: 'command -w 1 / standalone in-process, req/s', ...requests('cli-1', 'wsgi-server'), atLeast: true, target: 0.95, unit: 'percent' },
    { name: 'standalone / node:http, CPU per request', ...cpuCost('wsgi-server', 'node-http'), atLeast: false, target: 1.05, unit: 'times' },
    { name: 'Fastify + wsgiPlugin / native route, CPU per request', ...cpuCost('fastify-wsgi', 'fastify-native'), atLeast: false, target: 1.05, unit: 'times' },
    {
      name: 'standalone / node:http, p99 latency',
      measured: both(hello('wsgi-server'), hello('node-http'), (a, b) => pairedRatio(p99(a), p99(b))),
      errors: errors('wsgi-server', 'node-http'),
      atLeast: false, target: 1.3, unit: 'times',
    },
    { name: 'upload via wsgi.input.read(65536) / for await, MiB/s', measured: throughput((s) => s.upload), atLeast: true, target: 0.8, unit: 'percent' },
    { name: 'download via async generator / res.write, MiB/s', measured: throughput((s) => s.download), atLeast: true, target: 0.8, unit: 'percent' },
    { name: 'standalone RSS over idle, upload', measured: memory((s) => s.upload), atLeast: false, target: 64, unit: 'MiB' },
    { name: 'standalone RSS over idle, download', measured: memory((s) => s.download), atLeast: false, target: 64, unit: 'MiB' },
    { name: 'standalone RSS over idle, slow-reading client', measured: memory((s) => s.slowDownload), atLeast: false, target: 64, unit: 'MiB' },
  ];
}

export function formatFigure(value: number, unit: Unit, extraDigits = 0): string {
  switch (unit) {
    case 'percent':
      return `${(value * 100).toFixed(1 + extraDigits)}%`;
    case 'times':
      return `${value.toFixed(2 + extraDigits)}x`;
    case 'MiB':
      return `${value.toFixed(1 + extraDigits)} MiB`;
  }
}

/**
 * A check's measured figure, with a digit more when rounding would print it as its target:
 * a 1.051x that fails `<= 1.05x` must not read as 1.05x.
 */
export function formatMeasured(value: number, check: Check): string {
  const shown = formatFigure(value, check.unit);
  return shown === formatFigure(check.target, check.unit) && value !== check.target ? formatFigure(value, check.unit, 1) : shown;
}
