/**
 * `node bench/dist/profile.js [contender] [seconds]`: run one contender's server under
 * `node --cpu-prof` while wrk loads its hello world, then print where the server's CPU
 * time went: by part (our packages, Node's internals, GC) and the top functions by self
 * time. Default: wsgi-server for 10 s. Not part of `npm run bench`.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startChild } from './child.js';
import { CONTENDERS } from './contenders.js';
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

const CONNECTIONS = 50;
const WARMUP_SECONDS = 3;

/** Which part of the stack a frame belongs to, from its script's URL. */
function partOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') return functionName.startsWith('(') ? functionName : 'native (V8 builtins, C++)';
  if (url.includes('/packages/core/')) return '@wsgi-bridge/core';
  if (url.includes('/packages/server/')) return '@wsgi-bridge/server';
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
  const id = process.argv[2] ?? 'wsgi-server';
  const seconds = Number(process.argv[3] ?? 10);
  const contender = CONTENDERS.find((c) => c.id === id);
  if (contender === undefined || contender.command[0] !== process.execPath) {
    throw new Error(`profile.js takes a Node contender: ${CONTENDERS.filter((c) => c.command[0] === process.execPath).map((c) => c.id).join(', ')}`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'wsgi-bridge-profile-'));
  try {
    const server = await startChild(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, ...contender.command[1]]);
    const url = `http://127.0.0.1:${server.port}/`;
    const warmup = await wrk(url, CONNECTIONS, WARMUP_SECONDS);
    const result = await wrk(url, CONNECTIONS, seconds);
    await server.stop();
    const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile'));
    if (file === undefined) throw new Error('the server wrote no profile');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    const requests = warmup.requests + result.requests;
    const parts = selfTimes(profile, (node) => partOf(node.callFrame));
    const busy = parts.reduce((sum, [, t]) => sum + t, 0);
    const line = ([name, t]: [string, number]): string =>
      `${((t / busy) * 100).toFixed(1).padStart(6)}%  ${(t / requests).toFixed(2).padStart(6)} µs/req  ${name}\n`;
    process.stdout.write(`${id}: ${result.requestsPerSec.toFixed(0)} req/s over ${seconds} s; the main thread was busy ` +
      `${(busy / requests).toFixed(2)} µs per request (over the ${WARMUP_SECONDS} s warm-up too)\n\nSelf time by part:\n`);
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
