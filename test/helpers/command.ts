import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request, type RequestOptions } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built command, run as users run it: `node packages/cli/dist/bin.js ...`. */
export const BIN = fileURLToPath(new URL('../../packages/cli/dist/bin.js', import.meta.url));
/** The folder of the command tests' app modules. */
export const FIXTURES = fileURLToPath(new URL('../fixtures/cli/', import.meta.url));

/** A running `wsgi-bridge` process, its output captured. */
export interface Command {
  child: ChildProcess;
  pid: number;
  /** Standard output and standard error, interleaved as they came. */
  output(): string;
  /** Resolves once the output matches (counting matches from the start), or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number, count?: number): Promise<void>;
  /** The exit status (or signal name), once exited. */
  exited: Promise<number | string>;
  signal(name: NodeJS.Signals): void;
}

const running = new Set<Command>();

/** Start the command with `args`, in the fixtures folder. */
export function startCommand(args: string[], env: NodeJS.ProcessEnv = {}): Command {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: FIXTURES, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let text = '';
  const waiters = new Set<() => void>();
  const take = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    for (const check of waiters) check();
  };
  child.stdout!.on('data', take);
  child.stderr!.on('data', take);
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const command: Command = {
    child,
    pid: child.pid!,
    output: () => text,
    exited,
    signal: (name) => child.kill(name),
    waitFor(pattern, timeoutMs = 15_000, count = 1) {
      const global = new RegExp(pattern.source, pattern.flags.includes('g') ? pattern.flags : `${pattern.flags}g`);
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if ((text.match(global)?.length ?? 0) < count) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`no ${pattern} (x${count}) within ${timeoutMs} ms; output:\n${text}`));
        }, timeoutMs);
        const cleanup = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
  running.add(command);
  void exited.then(() => running.delete(command));
  return command;
}

/** Kill whatever a test left running (its workers exit when the primary's channel closes). */
export function killLeftovers(): void {
  for (const command of running) command.child.kill('SIGKILL');
}

/** A port free on 127.0.0.1 right now (the command binds fixed ports, as users do). */
export async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

/** The worker processes of a primary, from /proc. */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** One GET: status and body, or the error; one with no answer within `timeoutMs` fails. */
export function get(options: RequestOptions, timeoutMs = 10_000): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(options, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    req.on('error', reject).end();
  });
}

/** What a load run saw. */
export interface LoadReport {
  ok: number;
  non2xx: number;
  errors: string[];
  /** The worker pids the answers named. */
  pids: Set<number>;
}

/**
 * Keep-alive GETs from `connections` loops on 127.0.0.1:port for `ms` milliseconds (and
 * until `until` resolves, if given): bounded in time, stops by itself.
 */
export async function load(port: number, ms: number, connections = 4, until: Promise<unknown> = Promise.resolve()): Promise<LoadReport> {
  const agent = new Agent({ keepAlive: true, maxSockets: connections });
  const report: LoadReport = { ok: 0, non2xx: 0, errors: [], pids: new Set() };
  let done = false;
  const stop = Promise.all([new Promise((resolve) => setTimeout(resolve, ms)), until]).then(() => (done = true));
  const hardStop = setTimeout(() => (done = true), ms + 30_000);
  const loop = async (): Promise<void> => {
    while (!done) {
      try {
        const { status, body } = await get({ host: '127.0.0.1', port, path: '/', agent });
        if (status >= 200 && status < 300) report.ok++;
        else report.non2xx++;
        report.pids.add(Number(/pid (\d+)/.exec(body)?.[1]));
      } catch (err) {
        report.errors.push((err as Error).message);
      }
    }
  };
  const loops = Array.from({ length: connections }, loop);
  await stop;
  await Promise.all(loops);
  clearTimeout(hardStop);
  agent.destroy();
  return report;
}
