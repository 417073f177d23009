import type { IncomingMessage } from 'node:http';
import { WsgiError } from './errors.js';

/**
 * Where wsgi.input gets its bytes: `next()` gives a chunk, or null at the end; a
 * promise of one only when it has to wait (a buffered chunk costs no promise).
 */
export interface BodySource {
  next(): Buffer | null | Promise<Buffer | null>;
  /**
   * True while no one but wsgi.input has seen a chunk it gave: wsgi.input may then
   * reuse a chunk's memory once it has read it. Absent: never.
   */
  readonly exclusive?: boolean;
}

/** The sources that have had to wait for body bytes, by request: see {@link failWaitingRead}. */
const waiting = new WeakMap<IncomingMessage, MessageSource>();

/**
 * Fail the wsgi.input read waiting for `req`'s body bytes, if one is: the app sees the
 * error `makeError` builds (a server's socket timeout, as eventlet's read raises); it is
 * built only then. Returns whether a read was waiting; the request itself is left as it
 * is, so the app can still answer.
 */
export function failWaitingRead(req: IncomingMessage, makeError: () => Error): boolean {
  return waiting.get(req)?.fail(makeError) ?? false;
}

/** The body of an IncomingMessage, pulled a chunk at a time so nothing is buffered whole. */
export class MessageSource implements BodySource {
  readonly #req: IncomingMessage;
  #waiter: { resolve: (chunk: Buffer | null) => void; reject: (err: Error) => void } | null = null;
  #listening = false;
  #exclusive = true;

  constructor(req: IncomingMessage) {
    this.#req = req;
  }

  get exclusive(): boolean {
    return this.#exclusive;
  }

  next(): Buffer | null | Promise<Buffer | null> {
    const req = this.#req;
    const chunk = this.#read();
    if (chunk !== null) return chunk;
    if (req.readableEnded) return null;
    if (req.destroyed) return Promise.reject(truncated(req));
    if (!this.#listening) this.#listen();
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  /** Reject the waiting read with the error `makeError` builds; whether one was waiting. */
  fail(makeError: () => Error): boolean {
    if (this.#waiter === null) return false;
    this.#settle(makeError());
    return true;
  }

  // Listeners stay for the request's life: cheaper than adding them for every chunk.
  // Only a request whose body has to be waited for gets here, off the fast path.
  #listen(): void {
    this.#listening = true;
    const req = this.#req;
    waiting.set(req, this);
    req.on('readable', () => {
      const waiter = this.#waiter;
      if (waiter === null) return;
      const chunk = this.#read();
      if (chunk === null) return; // the end: 'end' follows
      this.#waiter = null;
      waiter.resolve(chunk);
    });
    req.on('end', () => this.#settle(null));
    req.on('error', () => this.#settle(truncated(req)));
    req.on('close', () => {
      if (!req.readableEnded) this.#settle(truncated(req));
    });
  }

  #read(): Buffer | null {
    // read() hands its chunk to every 'data' listener too (a tap, a pipe): from the
    // first such chunk on, none is ours alone. Node copies each body chunk out of the
    // socket's buffer, so until then nobody else holds one.
    if (this.#exclusive && this.#req.listenerCount('data') > 0) this.#exclusive = false;
    return this.#req.read() as Buffer | null;
  }

  #settle(outcome: Error | null): void {
    const waiter = this.#waiter;
    if (waiter === null) return;
    this.#waiter = null;
    if (outcome === null) waiter.resolve(null);
    else waiter.reject(outcome);
  }
}

function truncated(req: IncomingMessage): WsgiError {
  const framing = req.headers['transfer-encoding'] === undefined
    ? `Content-Length ${req.headers['content-length'] ?? 0}`
    : 'chunked framing';
  return new WsgiError(
    'WSGI_ERR_INPUT_TRUNCATED',
    `the client closed the connection or sent malformed data before the body was complete (${framing})`,
  );
}

/** A body a framework has already read into memory (express.raw, express.text). */
export class BufferSource implements BodySource {
  #body: Buffer | null;
  constructor(body: Buffer) {
    this.#body = body.length === 0 ? null : body;
  }
  next(): Buffer | null {
    const body = this.#body;
    this.#body = null;
    return body;
  }
}
