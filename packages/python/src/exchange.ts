import type { Body, Environ, HeaderList, StartResponse, Write } from '@wsgi-bridge/core';
import { BodyStream } from './body-stream.js';
import { Frame, frame, HAS_HOOKS, textFrame } from './frames.js';
import type { PythonWorker } from './worker.js';

/** A Python exception: its traceback is the stack, so the log and a debug 500 show Python's own. */
export class PythonError extends Error {
  constructor(traceback: string) {
    const text = traceback.trimEnd();
    super(text.slice(text.lastIndexOf('\n') + 1));
    this.name = 'PythonError';
    this.stack = text;
  }
}

// Not a frame type: what a waiter is told when the worker died meanwhile.
const LOST = -1;
const NEXT = frame(Frame.NEXT);
const CLOSE = frame(Frame.CLOSE);
const POSTHOOKS = frame(Frame.POSTHOOKS);
const ACK = frame(Frame.ACK);
const BAD_GATEWAY: HeaderList = [['Content-Type', 'text/plain']];
const done = Promise.resolve();

type Waiter = (type: number, payload: Buffer) => void;

/**
 * One request served by one worker, as the core sees it: the JS app's promised body, its
 * iterator and close(), and one JS post hook standing for the Python ones. Python asks
 * (reads, writes, the 100s) and Node answers; Node asks (next chunk, close, hooks) and
 * Python answers: one question is open at a time on each side.
 */
export class PythonExchange {
  /** What to do with the answer Node is waiting for. */
  #waiting: Waiter | null = null;
  /** The head Python sent, given to start_response with the first bytes after it. */
  #head: [string, HeaderList, string?] | null = null;
  #write: Write | null = null;
  /** The core's error for a write (a refused header): reported rather than Python's re-raise of it. */
  #coreError: unknown = undefined;
  /** The NEXT in flight: close() waits for its answer first. */
  #nextDone: Promise<unknown> = done;
  #lost: Error | null = null;
  #released = false;
  /** The request body on its way to Python, from Python's first read. */
  #body: BodyStream | null = null;

  constructor(
    private readonly worker: PythonWorker,
    private readonly environ: Environ,
    private readonly startResponse: StartResponse,
    private readonly release: () => void,
  ) {}

  /** The worker's frames are this request's from now on (it may have been sent ahead). */
  attach(): void {
    this.worker.handler = this.#onFrame;
  }

  /** Send the request; resolves with the body once the app returned, rejects when it raised. */
  start(): Promise<Body> {
    const environ = this.environ;
    const strings: Record<string, string> = {};
    for (const key in environ) {
      const value = environ[key];
      if (typeof value === 'string') strings[key] = value;
    }
    return new Promise<Body>((resolve, reject) => {
      this.#waiting = (type, payload) => {
        try {
          resolve(this.#returned(type, payload));
        } catch (err) {
          reject(err);
        }
      };
      this.worker.send(textFrame(Frame.REQUEST, JSON.stringify(strings)));
    });
  }

  /** The worker died with this request open: tell whoever waits. */
  lost(reason: string): void {
    this.#lost = new Error(`the Python worker serving this request died (${reason})`);
    this.#settle(LOST, Buffer.alloc(0));
  }

  readonly #onFrame = (type: number, payload: Buffer): void => {
    const input = this.environ['wsgi.input'];
    switch (type) {
      case Frame.HEAD: {
        const head = JSON.parse(payload.toString('utf8')) as [string, HeaderList, string?];
        // Read by the core when the body comes, which this head precedes.
        if (head[2] !== undefined) this.environ['eventlet.minimum_write_chunk_size'] = head[2];
        this.#head = head;
        return;
      }
      case Frame.LOG:
        this.environ['wsgi.errors'].write(payload.toString('utf8'));
        return;
      case Frame.CREDIT:
        return (this.#body ??= new BodyStream(this.worker, input)).grant(payload.readUInt32BE(0));
      case Frame.STOP_INPUT:
        return this.#body?.stop();
      case Frame.CONTINUE_HEADERS:
        return this.#ack(() => input.set_hundred_continue_response_headers(JSON.parse(payload.toString('utf8'))));
      case Frame.SEND_CONTINUE:
        return this.#ack(() => {
          input.send_hundred_continue_response();
          this.#body?.renew();
        });
      case Frame.WRITE:
        return void this.#written(payload);
      default:
        this.#settle(type, payload);
    }
  };

  #settle(type: number, payload: Buffer): void {
    const waiting = this.#waiting;
    this.#waiting = null;
    waiting?.(type, payload);
  }

  /** The app returned (or raised): the body for the core. */
  #returned(type: number, payload: Buffer): Body {
    if (type === Frame.LIST_BODY) {
      this.#finished(payload[0]!);
      this.#startResponse();
      return [payload.subarray(1)];
    }
    if (type === Frame.ITERABLE) {
      // Python sent the first chunk with the news: the first next() needs no question.
      let first: Buffer | null = payload;
      const iterator = {
        next: (): Promise<IteratorResult<Buffer>> => {
          if (first === null) return this.#next();
          const value = first;
          first = null;
          this.#startResponse();
          return Promise.resolve({ value, done: false });
        },
      };
      return { [Symbol.asyncIterator]: () => iterator, close: () => this.#close() };
    }
    if (type === Frame.RAISED) {
      this.#finished(payload[0]!);
      throw this.#coreError ?? new PythonError(payload.subarray(1).toString('utf8'));
    }
    if (type === LOST) return this.#badGateway()!;
    throw new Error(`the Python worker sent a ${JSON.stringify(String.fromCharCode(type))} frame where the app's answer belongs`);
  }

  #next(): Promise<IteratorResult<Buffer>> {
    if (this.#lost !== null) return Promise.resolve({ value: undefined, done: true });
    const next = new Promise<IteratorResult<Buffer>>((resolve, reject) => {
      this.#waiting = (type, payload) => {
        try {
          if (type === Frame.RAISED) throw new PythonError(payload.subarray(1).toString('utf8'));
          if (type === LOST) {
            const body = this.#badGateway();
            return resolve(body === null ? { value: undefined, done: true } : { value: body[0]!, done: false });
          }
          this.#startResponse();
          resolve(type === Frame.DATA ? { value: payload, done: false } : { value: undefined, done: true });
        } catch (err) {
          reject(err);
        }
      };
    });
    this.#nextDone = next.catch(() => {});
    this.worker.send(NEXT);
    return next;
  }

  /** The core's close() on the body: Python's close(), once a NEXT in flight is answered. */
  #close(): Promise<void> {
    return this.#nextDone.then(() => this.#ask(CLOSE, (type, payload) => {
      if (type === Frame.CLOSED) this.#finished(payload[0]!);
    }));
  }

  /** The JS post hook standing for Python's: run them, then the worker is free. */
  readonly #runHooks = (): Promise<void> => this.#ask(POSTHOOKS, (type) => {
    if (type === Frame.HOOKS_RUN) this.#free();
  });

  /** Send a frame and wait for its answer (none once the worker is gone). */
  #ask(bytes: Buffer, answered: Waiter): Promise<void> {
    if (this.#lost !== null) return done;
    return new Promise((resolve) => {
      this.#waiting = (type, payload) => {
        answered(type, payload);
        resolve();
      };
      this.worker.send(bytes);
    });
  }

  /** Python's last frame of the request says whether post hooks wait; if none, the worker is free. */
  #finished(flags: number): void {
    if ((flags & HAS_HOOKS) === 0) return this.#free();
    this.environ['eventlet.posthooks'].push([this.#runHooks]);
  }

  #free(): void {
    if (this.#released) return;
    this.#released = true;
    this.worker.handler = null;
    this.release();
  }

  /** The head Python sent goes to the core's start_response (which validates it) before the bytes it precedes. */
  #startResponse(): void {
    const head = this.#head;
    if (head === null) return;
    this.#head = null;
    this.#write = this.startResponse(head[0], head[1]);
  }

  /**
   * A 502 in place of whatever head there was, while nothing has gone out (exc_info);
   * the core re-raises when it has, and the response is aborted. Null once the worker
   * died with nothing to say (the request was finishing anyway).
   */
  #badGateway(): [Buffer] | null {
    const lost = this.#lost;
    if (lost === null) return null;
    this.startResponse('502 Bad Gateway', BAD_GATEWAY, lost);
    return [Buffer.from(`Bad Gateway: ${lost.message}\n`)];
  }

  #ack(call: () => void): void {
    try {
      call();
      this.worker.send(ACK);
    } catch (err) {
      this.#refuse(err);
    }
  }

  async #written(payload: Buffer): Promise<void> {
    try {
      this.#startResponse();
      const drained = this.#write!(payload);
      if (drained !== undefined) await drained;
      this.worker.send(ACK);
    } catch (err) {
      this.#coreError ??= err;
      this.#refuse(err);
    }
  }

  /** The Node side's error, raised in Python as FrontEndError. */
  #refuse(err: unknown): void {
    this.worker.send(textFrame(Frame.ERROR, err instanceof Error ? err.message : String(err)));
  }
}
