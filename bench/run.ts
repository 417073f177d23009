/**
 * `npm run bench`: this project against what a user would pick instead, side by side
 * in one run on one machine. Prints the table, writes results/latest.md and
 * results/latest.svg, and exits 1 when a target is missed.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { evaluate, passed } from './checks.js';
import { renderChart } from './chart.js';
import { StartFailure, startChild, type ServerChild } from './child.js';
import { CONTENDERS, type Contender, type ContenderId } from './contenders.js';
import { runHello } from './hello.js';
import { ensureEventlet, ensureWrk } from './install.js';
import { describeMachine, moduleVersion } from './machine.js';
import { describePinning, holdServers, onServerCpus, pinClient, type Pinning } from './pinning.js';
import { renderReport } from './report.js';
import type { BenchResults, Outcome } from './results.js';
import { readSettings, type Settings } from './settings.js';
import { StealGuard } from './steal.js';
import { runStreams } from './streams.js';
import { messageOf } from './errors.js';
import { runPython, type PythonResults } from './python.js';

const RESULTS = fileURLToPath(new URL('../results/', import.meta.url));
const log = (line: string): void => void process.stdout.write(`${line}\n`);

/** Hello world with the servers held off wrk's CPU; afterwards they get every CPU again. */
async function helloHeldOffClient(
  servers: Map<ContenderId, Outcome<ServerChild>>,
  pinning: Pinning | null,
  settings: Settings,
  guard: StealGuard,
): Promise<Awaited<ReturnType<typeof runHello>>> {
  const pids = [...servers.values()].flatMap((server) => (server.ok ? [server.value.pid] : []));
  await holdServers(pinning, pids, true);
  try {
    return await runHello(servers, settings, guard, log);
  } finally {
    await holdServers(pinning, pids, false);
  }
}

/** The contenders to run: all, or those BENCH_ONLY names (comma-separated ids), for a short check of a few rows. */
function selected(env: NodeJS.ProcessEnv): readonly Contender[] {
  const only = env.BENCH_ONLY?.split(',').map((id) => id.trim()).filter(Boolean);
  return only === undefined || only.length === 0 ? CONTENDERS : CONTENDERS.filter((c) => only.includes(c.id));
}

async function startAll(eventletMissing: string | null, pinning: Pinning | null): Promise<Map<ContenderId, Outcome<ServerChild>>> {
  const servers = new Map<ContenderId, Outcome<ServerChild>>();
  for (const contender of selected(process.env)) {
    if (contender.id === 'eventlet' && eventletMissing !== null) {
      servers.set(contender.id, { ok: false, reason: eventletMissing });
      continue;
    }
    try {
      servers.set(contender.id, { ok: true, value: await startChild(...onServerCpus(pinning, contender.command)) });
    } catch (err) {
      if (!(err instanceof StartFailure)) throw err;
      const reason = err.unavailable ? err.message : `failed to start: ${err.message}`;
      servers.set(contender.id, { ok: false, reason });
      log(`${contender.id}: not available (${reason})`);
    }
  }
  return servers;
}

/** `BENCH_ONLY=python`: the Python rows alone, for a short check of them. */
async function pythonOnly(settings: Settings): Promise<number> {
  const pinning = await pinClient(process.env);
  log(describePinning(pinning));
  const python = await runPython(settings, new StealGuard(settings.stealLimit, settings.stealTries, log), pinning, log);
  log(`\n${python.markdown}`);
  return python.checks.every(passed) ? 0 : 1;
}

async function main(): Promise<number> {
  const settings = readSettings(process.env);
  if (process.env.BENCH_ONLY === 'python') return pythonOnly(settings);
  const machine = describeMachine();
  log(`machine: ${machine.cpu}, ${machine.cores} cores, ${machine.memoryGiB} GiB, ${machine.os}, Node ${machine.node}, load ${machine.loadAtStart.toFixed(2)}`);
  const wrk = await ensureWrk();
  if (!wrk.ok) {
    log(`cannot benchmark without wrk: ${wrk.reason}`);
    return 2;
  }
  const eventlet = await ensureEventlet();
  if (!eventlet.ok) log(`eventlet.wsgi cannot run here, its comparison fails: ${eventlet.reason}`);

  const pinning = await pinClient(process.env);
  const servers = await startAll(eventlet.ok ? null : eventlet.reason, pinning);
  const guard = new StealGuard(settings.stealLimit, settings.stealTries, log);
  let results: BenchResults;
  try {
    results = {
      date: new Date().toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
      machine,
      pinning,
      settings,
      tools: {
        wrk: wrk.version,
        ...(eventlet.ok ? { 'eventlet.wsgi': eventlet.version } : {}),
        Express: moduleVersion('express'),
        Fastify: moduleVersion('fastify'),
        Hono: moduleVersion('hono'),
        '@hono/node-server': moduleVersion('@hono/node-server'),
      },
      contenders: Object.fromEntries(CONTENDERS.map((c) => [c.id, c])) as Record<ContenderId, Contender>,
      steal: guard,
      hello: await helloHeldOffClient(servers, pinning, settings, guard),
      streams: await runStreams(servers, settings, guard, log),
    };
    machine.loadAtEnd = os.loadavg()[0]!;
  } finally {
    await Promise.all([...servers.values()].map((s) => (s.ok ? s.value.stop() : undefined)));
  }
  const python: PythonResults = await runPython(settings, guard, pinning, log);

  const checks = [...evaluate(results), ...python.checks];
  const report = `${renderReport(results, evaluate(results), 'latest.svg')}\n${python.markdown}`;
  mkdirSync(RESULTS, { recursive: true });
  writeFileSync(`${RESULTS}latest.md`, report);
  writeFileSync(`${RESULTS}latest.svg`, renderChart(results, checks));
  log(`\n${report}`);
  const missed = checks.filter((check) => !passed(check));
  log(missed.length === 0 ? 'every target holds' : `${missed.length} of ${checks.length} targets missed`);
  return missed.length === 0 ? 0 : 1;
}

// A run that cannot finish (a bad setting, a crash) is not a missed target: it exits 2.
process.exitCode = await main().catch((err: unknown) => {
  log(`the benchmark could not run: ${messageOf(err)}`);
  return 2;
});
