import cluster, { type Worker } from 'node:cluster';
import { fileURLToPath } from 'node:url';
import { EXIT } from './errors.js';
import { Heartbeat } from './heartbeat.js';
import { isOurs, type ToPrimary, type ToWorker } from './messages.js';
import { ReloadWatcher } from './reload-watcher.js';
import type { Settings } from './settings.js';
import { USAGE } from './usage.js';

/** A worker's life: it boots (loads the app, listens), serves, and drains before it exits. */
type WorkerState = 'booting' | 'serving' | 'draining';

interface Tracked {
  worker: Worker;
  state: WorkerState;
  /** Replaced by a reload or by its own recycle: it drains once its replacements serve. */
  superseded: boolean;
  /** What the worker said before exiting on a failure a restart would repeat. */
  fatal: { status: number; message: string } | null;
  killTimer: NodeJS.Timeout | null;
}

const BACKOFF_FIRST_MS = 100;
const BACKOFF_MAX_MS = 10_000;
/** How long a quick stop waits for workers to exit on QUIT before killing them. */
const QUICK_STOP_MS = 1000;
const STOP: ToWorker = { wsgiBridge: 'stop' };

/**
 * The primary process, gunicorn's arbiter on node:cluster. Its whole state machine:
 *
 * - It keeps `target` workers that are neither superseded nor draining; missing ones are
 *   forked (after a backoff when the last one died while booting), extra ones drained.
 * - A reload (HUP, --reload) and a recycle (--max-requests) mark workers superseded: new
 *   workers are forked in their place, and once every current worker serves, the
 *   superseded ones drain (stop accepting, finish their requests) and exit.
 * - A worker that fails to load the app ends the primary with its status when nothing
 *   else serves; during a reload the old workers keep serving and nothing more is forked
 *   until the next reload.
 * - A stop drains every worker (TERM) or tells it to quit (INT, QUIT), then resolves.
 *
 * cluster shares the listening sockets: the primary binds each address when the first
 * worker listens on it and hands connections round-robin to the workers listening.
 */
export class Arbiter {
  readonly #settings: Settings;
  readonly #workers = new Map<Worker, Tracked>();
  readonly #heartbeat: Heartbeat;
  readonly #watcher: ReloadWatcher | null;
  #target: number;
  #phase: 'running' | 'stopping' = 'running';
  #status = 0;
  #bootFailures = 0;
  #respawn: NodeJS.Timeout | null = null;
  #halted = false;
  #done: (status: number) => void = () => {};

  /** `argv`: the command's arguments, which each worker is started with too. */
  constructor(settings: Settings, argv: readonly string[]) {
    // Workers run the command itself, whoever started the primary (bin.js or a script calling main()).
    cluster.setupPrimary({ exec: fileURLToPath(new URL('./bin.js', import.meta.url)), args: [...argv] });
    this.#settings = settings;
    this.#target = settings.workers;
    this.#heartbeat = new Heartbeat(settings.timeout, (worker) => this.#silent(worker));
    this.#watcher = settings.reload ? new ReloadWatcher((file) => this.reload(`${file} changed`)) : null;
  }

  /** Fork the workers; resolves with the exit status once stopped. */
  start(): Promise<number> {
    const binds = this.#settings.binds.map((bind) => bind.text).join(', ');
    say(`wsgi-bridge ${this.#target} worker${this.#target === 1 ? '' : 's'} on ${binds}`);
    const stopped = new Promise<number>((resolve) => (this.#done = resolve));
    this.#maintain();
    return stopped;
  }

  /** Rolling reload: new workers with fresh code first, then the old ones drain. */
  reload(reason: string): void {
    if (this.#phase !== 'running') return;
    say(`reloading (${reason}): starting new workers`);
    this.#halted = false;
    for (const tracked of this.#workers.values()) tracked.superseded ||= tracked.state !== 'draining';
    this.#maintain();
  }

  /** TTIN and TTOU: one worker more or less (at least one). */
  resize(delta: number): void {
    if (this.#phase !== 'running') return;
    this.#target = Math.max(1, this.#target + delta);
    say(`${this.#target} worker${this.#target === 1 ? '' : 's'} wanted`);
    this.#maintain();
  }

  /** USR1: each worker reopens its log file. */
  reopenLogs(): void {
    for (const { worker } of this.#workers.values()) send(worker, { wsgiBridge: 'reopen-logs' });
  }

  /** Graceful (TERM): workers drain within --graceful-timeout. Quick (INT, QUIT): they exit now. */
  stop(graceful: boolean, status = 0): void {
    if (this.#phase === 'stopping' && graceful) return;
    // The first stop says the status (a failed load's 3 stays 3 through a later Ctrl-C).
    if (this.#phase === 'running') {
      say(graceful ? 'stopping gracefully' : 'stopping now');
      this.#status = status;
    }
    this.#phase = 'stopping';
    if (this.#respawn !== null) clearTimeout(this.#respawn);
    this.#watcher?.close();
    for (const tracked of this.#workers.values()) {
      if (!graceful) this.#quit(tracked);
      else if (tracked.state !== 'draining') this.#drain(tracked);
    }
    this.#finishIfDone();
  }

  #maintain(): void {
    if (this.#phase !== 'running') return;
    const current = [...this.#workers.values()].filter((tracked) => !tracked.superseded && tracked.state !== 'draining');
    if (current.length < this.#target) {
      if (this.#respawn === null && !this.#halted) for (let i = current.length; i < this.#target; i++) this.#fork();
      return;
    }
    // Extra workers (TTOU, a failed reload): booting ones first, then the oldest.
    const extra = current.sort((a, b) => Number(a.state === 'serving') - Number(b.state === 'serving')).slice(0, current.length - this.#target);
    for (const tracked of extra) this.#drain(tracked);
    if (current.every((tracked) => tracked.state !== 'booting')) {
      for (const tracked of this.#workers.values()) if (tracked.superseded && tracked.state !== 'draining') this.#drain(tracked);
    }
  }

  #fork(): void {
    const worker = cluster.fork();
    const tracked: Tracked = { worker, state: 'booting', superseded: false, fatal: null, killTimer: null };
    this.#workers.set(worker, tracked);
    this.#heartbeat.watch(worker);
    worker.on('message', (message: unknown) => this.#heard(tracked, message));
    worker.on('exit', (code: number | null, signal: string | null) => this.#exited(tracked, code, signal));
    // A send to a worker that just died fails; its 'exit' tells the rest.
    worker.on('error', () => {});
  }

  #heard(tracked: Tracked, message: unknown): void {
    if (!isOurs<ToPrimary>(message)) return;
    const pid = tracked.worker.process.pid;
    switch (message.wsgiBridge) {
      case 'pong':
        this.#heartbeat.heard(tracked.worker);
        break;
      case 'ready':
        if (tracked.state !== 'booting') break;
        tracked.state = 'serving';
        this.#bootFailures = 0;
        say(`worker ${pid} serving`);
        this.#maintain();
        break;
      case 'recycle':
        if (tracked.superseded || tracked.state === 'draining') break;
        say(`worker ${pid} served --max-requests: replacing it`);
        tracked.superseded = true;
        this.#maintain();
        break;
      case 'fatal':
        tracked.fatal = { status: message.status, message: message.message };
        break;
      case 'loaded':
        this.#watcher?.add(message.file);
        break;
    }
  }

  #exited(tracked: Tracked, code: number | null, signal: string | null): void {
    this.#workers.delete(tracked.worker);
    this.#heartbeat.forget(tracked.worker);
    if (tracked.killTimer !== null) clearTimeout(tracked.killTimer);
    const pid = tracked.worker.process.pid;
    if (this.#phase === 'stopping') return this.#finishIfDone();
    if (tracked.fatal !== null) return this.#failed(tracked.fatal);
    if (tracked.state === 'draining') {
      say(`worker ${pid} stopped`);
    } else {
      say(`worker ${pid} exited (${signal ?? `status ${code}`}) while ${tracked.state}: replacing it`);
      if (tracked.state === 'booting') this.#backOff();
    }
    this.#maintain();
  }

  /** A worker could not load the app (or bind): no restart loop. */
  #failed(fatal: { status: number; message: string }): void {
    // Options only server() checks (a config file's) come back from the workers as usage errors.
    process.stderr.write(fatal.status === EXIT.usage ? `${USAGE}\nwsgi-bridge: error: ${fatal.message}\n` : `wsgi-bridge: ${fatal.message}\n`);
    const serving = [...this.#workers.values()].some((tracked) => tracked.state === 'serving');
    if (!serving) return this.stop(false, fatal.status);
    say('the new workers cannot start: the workers already serving go on; fix it and reload (HUP)');
    this.#halted = true;
    for (const tracked of this.#workers.values()) tracked.superseded = false;
    this.#maintain();
  }

  #backOff(): void {
    const delay = Math.min(BACKOFF_MAX_MS, BACKOFF_FIRST_MS * 2 ** this.#bootFailures++);
    if (this.#respawn !== null) clearTimeout(this.#respawn);
    this.#respawn = setTimeout(() => {
      this.#respawn = null;
      this.#maintain();
    }, delay);
  }

  #silent(worker: Worker): void {
    say(`worker ${worker.process.pid} left the heartbeat unanswered for ${this.#settings.timeout}s (--timeout): killed`);
    worker.process.kill('SIGKILL');
  }

  #drain(tracked: Tracked): void {
    // A worker just forked may not listen for messages yet, and would miss a stop: TERM
    // reaches it either way (its handler drains; before the handler, TERM ends it).
    if (tracked.state === 'booting') tracked.worker.process.kill('SIGTERM');
    else send(tracked.worker, STOP);
    tracked.state = 'draining';
    this.#killAfter(tracked, this.#settings.gracefulTimeout * 1000, '--graceful-timeout');
  }

  #quit(tracked: Tracked): void {
    tracked.worker.process.kill('SIGQUIT');
    if (tracked.killTimer !== null) clearTimeout(tracked.killTimer);
    this.#killAfter(tracked, QUICK_STOP_MS, 'a quick stop');
  }

  #killAfter(tracked: Tracked, ms: number, what: string): void {
    tracked.killTimer = setTimeout(() => {
      say(`worker ${tracked.worker.process.pid} still running after ${what}: killed`);
      tracked.worker.process.kill('SIGKILL');
    }, ms);
  }

  #finishIfDone(): void {
    if (this.#phase !== 'stopping' || this.#workers.size > 0) return;
    this.#heartbeat.stop();
    say('stopped');
    this.#done(this.#status);
  }
}

function send(worker: Worker, message: ToWorker): void {
  if (worker.isConnected()) worker.send(message);
}

/** The primary's log lines, on standard error as eventlet's are: `(pid) primary: ...`. */
function say(line: string): void {
  process.stderr.write(`(${process.pid}) primary: ${line}\n`);
}
