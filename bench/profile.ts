/**
 * `node bench/dist/profile.js [contender] [hello|upload|download] [seconds] [idle]`: run
 * one contender's server under `node --cpu-prof` while wrk loads its hello world (or the
 * stream client uploads or downloads 256 MiB bodies), then print where the server's CPU
 * time went: by part (our packages, Node's internals, GC) and the top functions by self
 * time, per request or per MiB. With `idle`, the server first sits that many seconds
 * without a request, as a deployed server does before its first burst (see the README's
 * Performance section). Default: wsgi-server, hello, 10 s, no idle; connections, warm-up and
 * body size as in `npm run bench` (its BENCH_* variables apply). Not part of `npm run bench`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startChild } from './child.js';
import { fileURLToPath } from 'node:url';
import { CONTENDERS } from './contenders.js';
import { readSettings, streamBytes } from './settings.js';
import { median } from './stats.js';
import { download, upload } from './stream-client.js';
import { STREAMERS } from './streams.js';
import { wrk } from './wrk.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

// The Python bridge's server (bench/python.ts starts it beside gunicorn, not as a contender).
const PYTHON_BRIDGE: [string, string[]] = [process.execPath, [fileURLToPath(new URL('./serve.js', import.meta.url)), 'python-bridge']];

// The bench's own settings (BENCH_CONNECTIONS, BENCH_WARMUP_SECONDS, BENCH_STREAM_MIB).
const settings = readSettings(process.env);
const STREAM_BYTES = streamBytes(settings);

/** What a workload did: how many units (requests, MiB) and how fast. */
interface Load {
  unit: string;
  count: number;
  summary: string;
}

async function repeat(seconds: number, transfer: () => Promise<number>): Promise<Load> {
  const rates: number[] = [];
  for (const end = performance.now() + seconds * 1000; performance.now() < end;) rates.push(await transfer());
  return { unit: 'MiB', count: (rates.length * STREAM_BYTES) / 2 ** 20, summary: `median ${median(rates).toFixed(0)} MiB/s` };
}

// The profile covers the warm-up too, so its requests count.
const workloads: Record<string, (port: number, seconds: number) => Promise<Load>> = {
  hello: async (port, seconds) => {
    const url = `http://127.0.0.1:${port}/`;
    const warmup = await wrk(url, settings.connections, settings.warmupSeconds);
    const result = await wrk(url, settings.connections, seconds);
    return { unit: 'req', count: warmup.requests + result.requests, summary: `${result.requestsPerSec.toFixed(0)} req/s` };
  },
  upload: (port, seconds) => repeat(seconds, () => upload(port, STREAM_BYTES)),
  download: (port, seconds) => repeat(seconds, () => download(port, STREAM_BYTES)),
};

/** Which part of the stack a frame belongs to, from its script's URL. */
function partOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native (V8 builtins, C++)';
  if (url.includes('/packages/core/')) return '@wsgi-bridge/core';
  if (url.includes('/packages/server/')) return '@wsgi-bridge/server';
  if (url.includes('/packages/python/')) return '@wsgi-bridge/python';
  if (url.includes('/packages/')) return 'other @wsgi-bridge packages';
  if (url.includes('/bench/')) return 'bench app';
  if (url.startsWith('node:')) return 'Node internals (node:*)';
  return 'dependencies';
}

/** Self time per key in microseconds, idle left out, most first. */
function selfTimes(profile: CpuProfile, key: (node: ProfileNode) => string): Array<[string, number]> {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const time = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id)!;
    if (node.callFrame.functionName === '(idle)') return;
    const k = key(node);
    time.set(k, (time.get(k) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return [...time].sort((a, b) => b[1] - a[1]);
}

const shortUrl = (url: string): string => url.replace(/^.*\/node_modules\//, '').replace(/^.*\/(packages|bench)\//, '$1/');

async function main(): Promise<void> {
  const [id = 'wsgi-server', workload = 'hello', secondsArg = '10', idleArg = '0'] = process.argv.slice(2);
  const seconds = Number(secondsArg);
  const idleSeconds = Number(idleArg);
  const command = id === 'python-bridge' ? PYTHON_BRIDGE : CONTENDERS.find((c) => c.id === id)?.command;
  const run = workloads[workload];
  const streams = id === 'python-bridge' || STREAMERS.includes(id as (typeof STREAMERS)[number]);
  if (command === undefined || command[0] !== process.execPath || run === undefined || (workload !== 'hello' && !streams) || !(seconds > 0) || !(idleSeconds >= 0)) {
    throw new Error('usage: profile.js [contender] [hello|upload|download] [seconds] [idle seconds], with a Node contender: ' +
      `${CONTENDERS.filter((c) => c.command[0] === process.execPath).map((c) => c.id).join(', ')}, python-bridge ` +
      `(streams: ${STREAMERS.join(', ')}, python-bridge)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wsgi-bridge-profile-'));
  try {
    const server = await startChild(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...command[1]]);
    await sleep(idleSeconds * 1000);
    const load = await run(server.port, seconds);
    await server.stop();
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the server wrote no profile');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const parts = selfTimes(profile, (node) => partOf(node.callFrame));
    const busy = parts.reduce((sum, [, t]) => sum + t, 0);
    const line = ([name, t]: [string, number]): string =>
      `${((t / busy) * 100).toFixed(1).padStart(6)}%  ${(t / load.count).toFixed(2).padStart(7)} µs/${load.unit}  ${name}\n`;
    process.stdout.write(`${id}, ${workload}${idleSeconds > 0 ? ` after ${idleSeconds} s idle` : ''}: ${load.summary} over ${seconds} s; the main thread was busy ` +
      `${(busy / load.count).toFixed(2)} µs per ${load.unit}\n\nSelf time by part:\n`);
    for (const part of parts) process.stdout.write(line(part));
    process.stdout.write('\nTop functions by self time:\n');
    const functions = selfTimes(profile, ({ callFrame: f }) =>
      `${f.functionName || '(anonymous)'}  ${f.url === '' ? '' : `${shortUrl(f.url)}:${f.lineNumber + 1}`}`);
    for (const fn of functions.slice(0, 30)) process.stdout.write(line(fn));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
