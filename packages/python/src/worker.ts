import { spawn, type ChildProcess } from 'node:child_process';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type { ErrorLog } from '@wsgi-bridge/core';
import { Frame, FrameReader, frame, frameHead, textFrame } from './frames.js';

/** The Python side, shipped in the package beside dist/. */
export const BRIDGE_SCRIPT = fileURLToPath(new URL('../py/wsgi_bridge.py', import.meta.url));

/** How a worker is started: the same for every worker of a pool. */
export interface WorkerSpec {
  python: string;
  target: string;
  path: string[];
  environ: Record<string, string>;
  log: ErrorLog;
}

/** Receives a worker's frames while it serves one request. */
export type FrameHandler = (type: number, payload: Buffer) => void;

/**
 * One Python process running `wsgi_bridge.py`: frames to it on fd 3, from it on fd 4;
 * its stdout goes to ours, its stderr to the error log.
 */
export class PythonWorker {
  /** Resolves once the app imported; rejects with the Python traceback. */
  readonly ready: Promise<void>;
  /** Set once the process has exited: how it ended, for the log. */
  exitReason: string | null = null;
  /** Requests served, for maxRequests. */
  served = 0;
  /** Takes the frames of the request in progress. */
  handler: FrameHandler | null = null;
  /** Called once when the process exits, whatever the cause. */
  onExit: (reason: string) => void = () => {};

  readonly #child: ChildProcess;
  readonly #toPython: Writable;
  #corked = false;

  constructor(spec: WorkerSpec) {
    const child = spawn(spec.python, [BRIDGE_SCRIPT, spec.target], {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      env: { PYTHONUNBUFFERED: '1', ...process.env },
    });
    this.#child = child;
    this.#toPython = child.stdio[3] as Writable;
    this.#toPython.on('error', () => {}); // a dead worker's pipe: its exit is what reports it
    child.stdout!.on('data', (data: Buffer) => process.stdout.write(data));
    child.stderr!.setEncoding('utf8').on('data', (text: string) => spec.log(text));
    let settle!: (error: Error | null) => void;
    this.ready = new Promise((resolve, reject) => {
      settle = (error) => (error === null ? resolve() : reject(error));
    });
    const reader = new FrameReader((type, payload) => {
      if (type === Frame.READY) return settle(null);
      if (type === Frame.IMPORT_FAILED) {
        return settle(new Error(`${spec.target} could not be imported by ${spec.python}:\n${payload.toString('utf8')}`));
      }
      // wsgi.errors written between requests (by an app's own thread) still reaches the log.
      if (this.handler !== null) this.handler(type, payload);
      else if (type === Frame.LOG) spec.log(payload.toString('utf8'));
    });
    (child.stdio[4] as Readable).on('data', (data: Buffer) => reader.push(data));
    child.on('error', (err) => {
      settle(new Error(`${spec.python} could not be started for ${spec.target}: ${err.message}`));
      this.#exited(err.message);
    });
    child.on('close', (code, signal) => {
      const reason = signal === null ? `exit status ${code}` : `signal ${signal}`;
      settle(new Error(`the Python worker for ${spec.target} exited (${reason}) before its app was imported`));
      this.#exited(reason);
    });
    this.send(textFrame(Frame.OPTIONS, JSON.stringify({ path: spec.path, environ: spec.environ })));
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * Write one whole frame (nothing once the process is gone). The frames of one turn of the
   * event loop (a burst of requests from many connections, the body chunks read from a
   * socket) leave in one writev, so Python wakes once for them.
   */
  send(bytes: Buffer): void {
    if (this.exitReason !== null) return;
    this.#cork();
    this.#toPython.write(bytes);
  }

  /** A frame with a large payload, written after its head without a copy. */
  sendLarge(type: number, payload: Buffer): void {
    if (payload.length < 16384) return this.send(frame(type, payload));
    if (this.exitReason !== null) return;
    this.#cork();
    this.#toPython.write(frameHead(type, payload.length));
    this.#toPython.write(payload);
  }

  #cork(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.#toPython.cork();
    setImmediate(this.#uncork);
  }

  readonly #uncork = (): void => {
    this.#corked = false;
    this.#toPython.uncork();
  };

  /** Stop after the request in progress: Python sees the pipe end and exits. */
  retire(): void {
    this.#toPython.end();
  }

  /** Kill at once (a worker past its timeout, or one that ignores the end of its pipe). */
  kill(): void {
    if (this.exitReason === null) this.#child.kill('SIGKILL');
  }

  /** Resolves once the process has exited. */
  exited(): Promise<void> {
    if (this.exitReason !== null) return Promise.resolve();
    return new Promise((resolve) => this.#child.once('close', () => resolve()));
  }

  #exited(reason: string): void {
    if (this.exitReason !== null) return;
    this.exitReason = reason;
    this.onExit(reason);
  }
}
