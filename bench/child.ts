import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { EXIT_UNAVAILABLE } from './servers/optional.js';

const START_TIMEOUT_MS = 20_000;

/** A contender's server, running in a process of its own. */
export interface ServerChild {
  readonly pid: number;
  readonly port: number;
  stop(): Promise<void>;
  /** Why the process ended (exit code or signal, and its last words on stderr); null if it still runs after a moment. */
  gone(): Promise<string | null>;
}

/** Why a contender did not start: missing here (unavailable) or broken. */
export class StartFailure extends Error {
  constructor(message: string, readonly unavailable: boolean) {
    super(message);
  }
}

/** Spawn a server process and wait for the port it prints on its first line. */
export async function startChild(command: string, args: string[]): Promise<ServerChild> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    stderr = (stderr + text).slice(-2000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new StartFailure(`no port within ${START_TIMEOUT_MS} ms`, false)), START_TIMEOUT_MS);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      const port = Number(line);
      if (Number.isInteger(port) && port > 0 && port < 65536) resolve(port);
      else reject(new StartFailure(`printed ${JSON.stringify(line.slice(0, 80))} where its port should be`, false));
    });
    child.once('error', (err) => reject(new StartFailure(err.message, true)));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new StartFailure(stderr.trim() || `exited with code ${code}`, code === EXIT_UNAVAILABLE));
    });
  });
  const ended = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => {
      const said = stderr.trim().split('\n').at(-1);
      resolve(`${signal === null ? `exited with code ${code}` : `killed by ${signal}`}${said ? ` (${said})` : ''}`);
    });
  });
  return {
    pid: child.pid!,
    port,
    stop: () => stop(child),
    gone: () => Promise.race([ended, sleep(1000).then(() => null)]),
  };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** A file of /proc/<pid>/, with a plain message when the process has died. */
function procFile(pid: number, name: string): string {
  try {
    return readFileSync(`/proc/${pid}/${name}`, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new Error(`the server process (${pid}) has exited`);
    throw err;
  }
}

/** The resident set size of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB/m.exec(procFile(pid, 'status'));
  if (match === null) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]) / 1024;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = procFile(pid, 'stat');
  // Fields after the command name (which may hold spaces): state is 3rd, utime 14th, stime 15th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
}

/** A process and all its descendants (a command's primary and workers), from /proc. */
export function processTree(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    // Exited meanwhile: it has no children left to count.
  }
  return [pid, ...children.flatMap(processTree)];
}

/** CPU seconds of a process and every descendant still running. */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, member) => sum + (member === pid ? cpuSeconds(member) : cpuSecondsIfAlive(member)), 0);
}

function cpuSecondsIfAlive(pid: number): number {
  try {
    return cpuSeconds(pid);
  } catch {
    return 0;
  }
}

/** Linux reports CPU times in USER_HZ ticks, 100 a second on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Sample a process's RSS while `work` runs; resolves with the work's result and the peak. */
export async function withPeakRss<T>(pid: number, work: () => Promise<T>, everyMs = 20): Promise<{ result: T; peakMiB: number }> {
  let peakMiB = rssMiB(pid);
  const timer = setInterval(() => {
    peakMiB = Math.max(peakMiB, rssMiB(pid));
  }, everyMs);
  try {
    const result = await work();
    return { result, peakMiB: Math.max(peakMiB, rssMiB(pid)) };
  } finally {
    clearInterval(timer);
  }
}
