import type { Body, Environ, ErrorLog, StartResponse } from '@wsgi-bridge/core';
import { PythonExchange } from './exchange.js';
import { PythonWorker, type WorkerSpec } from './worker.js';

/** How a pool runs its workers. */
export interface PoolSettings {
  workers: number;
  /** Milliseconds a request may hold a worker; 0 never. */
  timeoutMs: number;
  /** Requests after which a worker is replaced; 0 never. */
  maxRequests: number;
}

interface Queued {
  environ: Environ;
  startResponse: StartResponse;
  resolve: (body: Promise<Body>) => void;
  reject: (err: unknown) => void;
}

interface Busy {
  exchange: PythonExchange;
  describe: string;
  timer: NodeJS.Timeout | undefined;
}

/** A request sent to a busy worker ahead of its turn: Python keeps it until the one in progress is done. */
interface Ahead {
  exchange: PythonExchange;
  body: Promise<Body>;
  queued: Queued;
}

// How long a stopping worker may take to exit before it is killed.
const EXIT_GRACE_MS = 5000;

/**
 * Python workers, each serving one request at a time; requests queue in order for a
 * free one. A worker that dies or overstays its timeout is replaced; one that has
 * served maxRequests is retired and replaced.
 */
export class WorkerPool {
  /** Every first worker imported the app; rejects with the first failure. */
  readonly ready: Promise<void>;
  readonly #spec: WorkerSpec;
  readonly #settings: PoolSettings;
  readonly #log: ErrorLog;
  readonly #workers = new Set<PythonWorker>();
  #idle: PythonWorker[] = [];
  readonly #busy = new Map<PythonWorker, Busy>();
  /** Per worker, the requests sent ahead, in order. */
  readonly #ahead = new Map<PythonWorker, Ahead[]>();
  #queue: Queued[] = [];
  /** Workers that had imported the app: only they are replaced when they end. */
  readonly #imported = new WeakSet<PythonWorker>();
  readonly #retired = new WeakSet<PythonWorker>();
  #broken: Error | null = null;
  #closing: Promise<void> | null = null;
  #drained: (() => void) | null = null;

  constructor(spec: WorkerSpec, settings: PoolSettings) {
    this.#spec = spec;
    this.#settings = settings;
    this.#log = spec.log;
    const first = Array.from({ length: settings.workers }, () => this.#spawn(true));
    this.ready = Promise.all(first.map((worker) => worker.ready)).then(() => undefined);
    this.ready.catch((err: Error) => this.#fail(err));
  }

  /** The app for one request: its body once a worker has run it. */
  serve(environ: Environ, startResponse: StartResponse): Promise<Body> {
    if (this.#closing !== null) return Promise.reject(new Error(`the Python app ${this.#spec.target} is closed`));
    if (this.#broken !== null) return Promise.reject(this.#broken);
    const worker = this.#idle.pop();
    if (worker !== undefined) return this.#run(worker, environ, startResponse);
    return new Promise((resolve, reject) => {
      this.#queue.push({ environ, startResponse, resolve, reject });
      this.#sendAhead();
    });
  }

  /** Let the requests in flight and queued finish, then stop every worker. */
  close(): Promise<void> {
    this.#closing ??= this.#idleAll().then(() => Promise.all([...this.#workers].map((worker) => this.#stop(worker))))
      .then(() => undefined);
    return this.#closing;
  }

  #spawn(first = false): PythonWorker {
    const worker = new PythonWorker(this.#spec);
    this.#workers.add(worker);
    worker.onExit = (reason) => this.#ended(worker, reason);
    worker.ready.then(() => {
      this.#imported.add(worker);
      if (worker.exitReason === null) this.#free(worker);
    }, (err: Error) => {
      // A replacement that fails to import is logged; the first ones reject `ready`.
      if (first) return;
      this.#log(`${err.message}\n`);
      if (this.#workers.size === 0) this.#fail(err);
    });
    return worker;
  }

  #run(worker: PythonWorker, environ: Environ, startResponse: StartResponse): Promise<Body> {
    const exchange = new PythonExchange(worker, environ, startResponse, () => this.#released(worker));
    this.#attach(worker, exchange, environ);
    return exchange.start();
  }

  /** The request is the worker's own now: its frames, its timeout. */
  #attach(worker: PythonWorker, exchange: PythonExchange, environ: Environ): void {
    exchange.attach();
    const { timeoutMs } = this.#settings;
    const describe = `${environ.REQUEST_METHOD} ${environ.SCRIPT_NAME}${environ.PATH_INFO}`;
    const timer = timeoutMs > 0 ? setTimeout(() => this.#overstayed(worker, describe), timeoutMs) : undefined;
    this.#busy.set(worker, { exchange, describe, timer });
  }

  /**
   * With a single worker, the queued requests are sent while the one in progress runs,
   * so Python finds them waiting instead of waiting for Node between requests, and
   * serves a burst with one wake-up (and one write of its answers) rather than one per
   * request. With more workers they would wait behind a slow request while another
   * worker is free.
   */
  #sendAhead(): void {
    if (this.#settings.workers !== 1 || this.#queue.length === 0) return;
    const { maxRequests } = this.#settings;
    for (const worker of this.#busy.keys()) {
      let ahead = this.#ahead.get(worker);
      if (ahead === undefined) this.#ahead.set(worker, (ahead = []));
      const room = maxRequests > 0 ? maxRequests - worker.served - 1 - ahead.length : this.#queue.length;
      for (const queued of this.#queue.splice(0, room)) {
        const exchange = new PythonExchange(worker, queued.environ, queued.startResponse, () => this.#released(worker));
        ahead.push({ exchange, body: exchange.start(), queued });
      }
      return;
    }
  }

  #overstayed(worker: PythonWorker, describe: string): void {
    this.#log(`Python worker ${worker.pid} held ${describe} past the timeout of ` +
      `${this.#settings.timeoutMs / 1000} s; killing it\n`);
    worker.kill();
  }

  #released(worker: PythonWorker): void {
    clearTimeout(this.#busy.get(worker)?.timer);
    this.#busy.delete(worker);
    const { maxRequests } = this.#settings;
    if (maxRequests > 0 && ++worker.served >= maxRequests) return this.#retire(worker);
    const ahead = this.#ahead.get(worker)?.shift();
    if (ahead === undefined) return this.#free(worker);
    this.#attach(worker, ahead.exchange, ahead.queued.environ);
    ahead.queued.resolve(ahead.body);
    this.#sendAhead();
  }

  #free(worker: PythonWorker): void {
    const next = this.#queue.shift();
    if (next !== undefined) {
      next.resolve(this.#run(worker, next.environ, next.startResponse));
      this.#sendAhead();
    } else {
      this.#idle.push(worker);
    }
    this.#checkDrained();
  }

  /** Stop a worker that served its maxRequests, with its replacement already starting. */
  #retire(worker: PythonWorker): void {
    this.#retired.add(worker);
    worker.retire();
    if (this.#closing === null) this.#spawn();
    this.#checkDrained();
  }

  #ended(worker: PythonWorker, reason: string): void {
    this.#workers.delete(worker);
    this.#idle = this.#idle.filter((idle) => idle !== worker);
    // Requests sent ahead never started (Python would have finished the one before, and
    // said so, first): they go back to the front of the queue, in order.
    const ahead = this.#ahead.get(worker);
    if (ahead !== undefined) {
      this.#ahead.delete(worker);
      this.#queue.unshift(...ahead.map(({ queued }) => queued));
    }
    const busy = this.#busy.get(worker);
    if (busy !== undefined) {
      clearTimeout(busy.timer);
      this.#busy.delete(worker);
      this.#log(`Python worker ${worker.pid} ended (${reason}) while serving ${busy.describe}\n`);
      busy.exchange.lost(reason);
    } else if (!this.#retired.has(worker) && this.#closing === null && this.#imported.has(worker)) {
      this.#log(`Python worker ${worker.pid} ended (${reason})\n`);
    }
    if (this.#imported.has(worker) && !this.#retired.has(worker) && this.#closing === null) this.#spawn();
    this.#checkDrained();
  }

  #fail(err: Error): void {
    this.#broken = err;
    const queue = this.#queue;
    this.#queue = [];
    for (const waiting of queue) waiting.reject(err);
  }

  #idleAll(): Promise<void> {
    if (this.#busy.size === 0 && this.#queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.#drained = resolve;
    });
  }

  #checkDrained(): void {
    if (this.#drained !== null && this.#busy.size === 0 && this.#queue.length === 0) {
      this.#drained();
      this.#drained = null;
    }
  }

  async #stop(worker: PythonWorker): Promise<void> {
    worker.retire();
    const timer = setTimeout(() => worker.kill(), EXIT_GRACE_MS);
    await worker.exited();
    clearTimeout(timer);
  }
}
