/**
 * The Python rows of `npm run bench` (issue 15): Flask's hello world through
 * @wsgi-bridge/python (the standalone server, one Python worker) against gunicorn with one
 * sync worker and against Express proxying to that gunicorn with http-proxy-middleware,
 * side by side; then a 256 MiB upload read in Python with read(65536) against the JS
 * wsgi.input figure, with the RSS of the Node server and of its Python worker.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { pairedRatio, type Check } from './checks.js';
import { cpuSeconds, rssMiB, startChild, withPeakRss, type ServerChild } from './child.js';
import { HELLO } from './config.js';
import { messageOf } from './errors.js';
import { PYTHON } from './install.js';
import { holdServers, onServerCpus, type Pinning } from './pinning.js';
import { checksTable, table } from './report.js';
import type { Outcome } from './results.js';
import { BENCH_DIR } from './servers/python-bridge.js';
import { streamBytes, type Settings } from './settings.js';
import { median, rotate } from './stats.js';
import { measureSteal, type StealGuard, type Stolen } from './steal.js';
import { upload } from './stream-client.js';
import { wrk } from './wrk.js';

const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));

type Id = 'python-bridge' | 'gunicorn' | 'express-proxy';
const LABELS: Record<Id, string> = {
  'python-bridge': '@wsgi-bridge/python (standalone server, 1 Python worker)',
  gunicorn: 'gunicorn, 1 sync worker',
  'express-proxy': 'Express + http-proxy-middleware -> that gunicorn',
};

interface Round extends Stolen {
  requestsPerSec: number;
  p99Ms: number;
  errors: number;
  /** Server CPU per request, in µs: the Node process and, for the bridge, its Python worker. */
  nodeMicros: number;
  pythonMicros: number;
}

interface UploadRound extends Stolen {
  id: 'python' | 'js';
  mibPerSec: number;
}

/** The Python rows' checks and their section of the report. */
export interface PythonResults {
  checks: Check[];
  markdown: string;
}

/** A process's children, from /proc (the bridge's Python worker). */
function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** gunicorn under BENCH_PYTHON, one sync worker, serving Flask's hello world. */
async function startGunicorn(pinning: Pinning | null): Promise<{ child: ChildProcess; port: number; worker: () => number | undefined }> {
  const port = await freePort();
  const [command, args] = onServerCpus(pinning, [PYTHON, ['-m', 'gunicorn', '-w', '1', '-k', 'sync', '-b', `127.0.0.1:${port}`, '--chdir', BENCH_DIR,
    '--log-level', 'warning', 'python_apps:flask_app']]);
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => (stderr = (stderr + text).slice(-2000)));
  for (const end = Date.now() + 20_000; Date.now() < end;) {
    if (child.exitCode !== null) throw new Error(`gunicorn exited: ${stderr.trim().split('\n').at(-1)}`);
    try {
      if ((await (await fetch(`http://127.0.0.1:${port}/`)).text()) === HELLO) {
        return { child, port, worker: () => childrenOf(child.pid!)[0] };
      }
    } catch {
      await sleep(200);
    }
  }
  child.kill();
  throw new Error(`gunicorn did not answer within 20 s: ${stderr}`);
}

const micros = (seconds: number, requests: number): number => (seconds / requests) * 1e6;

/** Run the Python rows. */
export async function runPython(settings: Settings, guard: StealGuard, pinning: Pinning | null, log: (line: string) => void): Promise<PythonResults> {
  const started: Array<{ stop(): unknown }> = [];
  try {
    const gunicorn = await startGunicorn(pinning);
    started.push({ stop: () => gunicorn.child.kill() });
    process.env.BENCH_GUNICORN_URL = `http://127.0.0.1:${gunicorn.port}`;
    const bridge = await startChild(...onServerCpus(pinning, [process.execPath, [SERVE, 'python-bridge']]));
    started.push(bridge);
    const proxy = await startChild(...onServerCpus(pinning, [process.execPath, [SERVE, 'express-proxy']]));
    started.push(proxy);
    const js = await startChild(...onServerCpus(pinning, [process.execPath, [SERVE, 'wsgi-server']]));
    started.push(js);
    const bridgeWorker = childrenOf(bridge.pid)[0];
    if (bridgeWorker === undefined) throw new Error('the bridge has no Python worker');
    const servers: Record<Id, { port: number; pids: number[]; pythonPids: number[] }> = {
      'python-bridge': { port: bridge.port, pids: [bridge.pid], pythonPids: [bridgeWorker] },
      gunicorn: { port: gunicorn.port, pids: [], pythonPids: [gunicorn.worker() ?? gunicorn.child.pid!] },
      'express-proxy': { port: proxy.port, pids: [proxy.pid], pythonPids: [gunicorn.worker() ?? gunicorn.child.pid!] },
    };
    const ids = Object.keys(servers) as Id[];
    // As for the other hello-world rounds: every server process held off wrk's CPU.
    const allPids = [bridge.pid, bridgeWorker, proxy.pid, gunicorn.child.pid!, ...childrenOf(gunicorn.child.pid!)];
    await holdServers(pinning, allPids, true);
    for (const id of ids) {
      log(`warming up ${id} for ${settings.warmupSeconds} s`);
      await wrk(`http://127.0.0.1:${servers[id].port}/`, settings.connections, settings.warmupSeconds);
    }
    const rounds: Record<Id, Round[]> = { 'python-bridge': [], gunicorn: [], 'express-proxy': [] };
    for (let r = 0; r < settings.rounds; r++) {
      const measured = await guard.round(async () => {
        const results: Array<Round & { id: Id }> = [];
        for (const id of rotate(ids, r)) {
          const { port, pids, pythonPids } = servers[id];
          const cpu = (list: number[]): number => list.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
          const [node0, python0] = [cpu(pids), cpu(pythonPids)];
          const { result, stealPercent } = await measureSteal(() => wrk(`http://127.0.0.1:${port}/`, settings.connections, settings.seconds));
          const round = {
            id, requestsPerSec: result.requestsPerSec, p99Ms: result.p99Ms, errors: result.errors, stealPercent,
            nodeMicros: micros(cpu(pids) - node0, result.requests), pythonMicros: micros(cpu(pythonPids) - python0, result.requests),
          };
          log(`round ${r + 1}/${settings.rounds}  ${id.padEnd(14)} ${result.requestsPerSec.toFixed(0).padStart(6)} req/s  ` +
            `p99 ${result.p99Ms.toFixed(2)} ms  CPU ${round.nodeMicros.toFixed(0)} µs/req Node + ${round.pythonMicros.toFixed(0)} µs/req Python` +
            `${result.errors > 0 ? `  ${result.errors} errors` : ''}`);
          results.push(round);
        }
        return results;
      });
      for (const { id, ...round } of measured) rounds[id].push(round);
    }
    await holdServers(pinning, allPids, false);
    const uploads = await runUploads(settings, guard, log, bridge, bridgeWorker, js);
    return report(settings, rounds, uploads);
  } catch (err) {
    const reason = `the Python rows could not run: ${messageOf(err)}`;
    log(reason);
    return report(settings, null, { ok: false, reason });
  } finally {
    for (const server of started) await server.stop();
  }
}

interface Uploads {
  python: number[];
  js: number[];
  /** Peak RSS above idle, every transfer. */
  nodeGrowthMiB: number[];
  pythonGrowthMiB: number[];
}

async function runUploads(settings: Settings, guard: StealGuard, log: (line: string) => void,
  bridge: ServerChild, worker: number, js: ServerChild): Promise<Outcome<Uploads>> {
  const bytes = streamBytes(settings);
  const figures: Uploads = { python: [], js: [], nodeGrowthMiB: [], pythonGrowthMiB: [] };
  await sleep(1000);
  const [nodeIdle, pythonIdle] = [rssMiB(bridge.pid), rssMiB(worker)];
  for (let r = 0; r < settings.streamRounds; r++) {
    const kept = await guard.round(async () => {
      const results: UploadRound[] = [];
      for (const id of rotate(['python', 'js'] as const, r)) {
        if (id === 'js') {
          const { result, stealPercent } = await measureSteal(() => upload(js.port, bytes));
          results.push({ id, mibPerSec: result, stealPercent });
          log(`upload       js wsgi.input    ${result.toFixed(0).padStart(6)} MiB/s`);
          continue;
        }
        const { result: { result: { result, peakMiB: pythonPeak }, peakMiB: nodePeak }, stealPercent } = await measureSteal(() =>
          withPeakRss(bridge.pid, () => withPeakRss(worker, () => upload(bridge.port, bytes))));
        figures.nodeGrowthMiB.push(nodePeak - nodeIdle);
        figures.pythonGrowthMiB.push(pythonPeak - pythonIdle);
        results.push({ id, mibPerSec: result, stealPercent });
        log(`upload       python read(64K) ${result.toFixed(0).padStart(6)} MiB/s  RSS over idle: Node ` +
          `${(nodePeak - nodeIdle).toFixed(1)} MiB, Python ${(pythonPeak - pythonIdle).toFixed(1)} MiB`);
      }
      return results;
    });
    for (const { id, mibPerSec } of kept) figures[id].push(mibPerSec);
  }
  return { ok: true, value: figures };
}

function report(settings: Settings, rounds: Record<Id, Round[]> | null, uploads: Outcome<Uploads>): PythonResults {
  const rps = (id: Id): number[] => rounds![id].map((round) => round.requestsPerSec);
  const errors = (...list: Id[]): number => list.reduce((sum, id) => sum + rounds![id].reduce((s, round) => s + round.errors, 0), 0);
  const unavailable: Outcome<number> = { ok: false, reason: 'not measured' };
  const ratio = (a: Id, b: Id): Outcome<number> => (rounds === null ? unavailable : { ok: true, value: pairedRatio(rps(a), rps(b)) });
  const up = (pick: (u: Uploads) => number): Outcome<number> => (uploads.ok ? { ok: true, value: pick(uploads.value) } : uploads);
  const checks: Check[] = [
    { name: 'Flask via @wsgi-bridge/python / gunicorn sync, req/s', measured: ratio('python-bridge', 'gunicorn'),
      errors: rounds === null ? 0 : errors('python-bridge', 'gunicorn'), atLeast: true, target: 1.5, unit: 'times' },
    { name: 'Flask via @wsgi-bridge/python / Express proxy to gunicorn, req/s', measured: ratio('python-bridge', 'express-proxy'),
      errors: rounds === null ? 0 : errors('python-bridge', 'express-proxy'), atLeast: true, target: 2, unit: 'times' },
    { name: 'upload read(65536) in Python / JS wsgi.input, MiB/s', measured: up((u) => pairedRatio(u.python, u.js)),
      atLeast: true, target: 0.5, unit: 'percent' },
    { name: 'Python upload: Node RSS over idle', measured: up((u) => Math.max(...u.nodeGrowthMiB)), atLeast: false, target: 64, unit: 'MiB' },
    { name: 'Python upload: Python worker RSS over idle', measured: up((u) => Math.max(...u.pythonGrowthMiB)), atLeast: false, target: 64, unit: 'MiB' },
  ];
  const helloRows = rounds === null ? [] : (Object.keys(LABELS) as Id[]).map((id) => {
    const list = rounds[id];
    return [LABELS[id], median(rps(id)).toFixed(0), median(list.map((r) => r.p99Ms)).toFixed(2),
      median(list.map((r) => r.nodeMicros)).toFixed(0), median(list.map((r) => r.pythonMicros)).toFixed(0)];
  });
  const uploadRows = uploads.ok
    ? [['Python, read(65536) through the bridge', median(uploads.value.python).toFixed(0)], ['JS, wsgi.input.read(65536)', median(uploads.value.js).toFixed(0)]]
    : [];
  const markdown = [
    '## Python apps (issue 15)',
    '',
    `Flask ${'hello world'} under wrk (1 thread, ${settings.connections} connections, ${settings.rounds} rounds of ${settings.seconds} s, ` +
    'the three servers back to back in a rotating order); a ' +
    `${settings.streamMiB} MiB upload, ${settings.streamRounds} rounds. gunicorn's sync worker closes every connection; the others keep them.`,
    '',
    checksTable(checks),
    '',
    ...(helloRows.length > 0 ? [table(['server', 'req/s', 'p99 ms', 'Node CPU µs/req', 'Python CPU µs/req'], helloRows), ''] : []),
    ...(uploadRows.length > 0 ? [table(['upload', 'MiB/s'], uploadRows), ''] : []),
    ...(uploads.ok ? [] : [`Not measured: ${uploads.reason}`, '']),
  ].join('\n');
  return { checks, markdown };
}
