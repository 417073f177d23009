import type { Worker } from 'node:cluster';
import type { ToWorker } from './messages.js';

const PING: ToWorker = { wsgiBridge: 'ping' };

/**
 * gunicorn's worker timeout, made for Node's event loop: the primary pings each worker
 * over IPC; a worker answers from its event loop, so one whose loop is blocked (a busy
 * loop, a sync call that never returns) stays silent. One silent for `timeout` seconds is
 * handed to `onSilent`. A worker is watched from its fork, so a hung boot counts too.
 */
export class Heartbeat {
  readonly #timeoutMs: number;
  readonly #onSilent: (worker: Worker) => void;
  readonly #lastHeard = new Map<Worker, number>();
  readonly #timer: NodeJS.Timeout | null;

  constructor(timeoutSeconds: number, onSilent: (worker: Worker) => void) {
    this.#timeoutMs = timeoutSeconds * 1000;
    this.#onSilent = onSilent;
    // Four pings a timeout, at most one a second: cheap, and a silence is seen within a quarter.
    this.#timer = timeoutSeconds === 0 ? null : setInterval(() => this.#beat(), Math.min(1000, this.#timeoutMs / 4));
    this.#timer?.unref();
  }

  watch(worker: Worker): void {
    if (this.#timer !== null) this.#lastHeard.set(worker, performance.now());
  }

  heard(worker: Worker): void {
    if (this.#lastHeard.has(worker)) this.#lastHeard.set(worker, performance.now());
  }

  forget(worker: Worker): void {
    this.#lastHeard.delete(worker);
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
  }

  #beat(): void {
    const now = performance.now();
    for (const [worker, heard] of this.#lastHeard) {
      if (now - heard > this.#timeoutMs) {
        this.#lastHeard.delete(worker);
        this.#onSilent(worker);
      } else if (worker.isConnected()) {
        worker.send(PING);
      }
    }
  }
}
