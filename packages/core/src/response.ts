import { describeError, WsgiError } from './errors.js';
import type { HundredContinue } from './hundred-continue.js';
import type { RequestLine } from './request-line.js';
import type { ResponseSink } from './sink.js';
import { parseHead, typeName, type ResponseHead } from './start-response.js';
import type { ErrorLog, StartResponse, Write } from './types.js';

type AnyIterator = Iterator<unknown> | AsyncIterator<unknown>;

/**
 * One response: `start_response` and `write` for the app, and the body writer that
 * coalesces, caps and paces what the app yields. Headers go out at the first
 * non-empty chunk, the first write(), or the end of the body (PEP 3333).
 */
export class WsgiResponse {
  /** Status code for the access log: the last start_response's, 200 if none. */
  statusCode = 200;
  /** The client went away before the response was complete. */
  aborted = false;

  readonly #sink: ResponseSink;
  readonly #req: RequestLine;
  readonly #capitalize: boolean;
  readonly #log: ErrorLog;
  readonly #continue: HundredContinue | null;
  #head: ResponseHead | null = null;
  #bodyless = false;
  #bodyBytes = 0;
  /** Chunks held back by the minimum chunk size; made on the first, then reused (a list body needs none). */
  #pending: Buffer[] | null = null;
  #pendingSize = 0;
  #minChunk = 0;
  #full = false;
  /** The response is complete (or failed): a later write() is an app bug, said as such. */
  #finished = false;
  #watching = false;
  /** Resolvers of every write()/flush promise waiting for the client to drain; made on the first wait. */
  #drains: Array<() => void> | null = null;
  /** Stops waiting for an async body's step when the client leaves. */
  #stepGone: (() => void) | null = null;

  constructor(
    sink: ResponseSink,
    req: RequestLine,
    capitalize: boolean,
    log: ErrorLog,
    hundredContinue: HundredContinue | null,
  ) {
    this.#sink = sink;
    this.#req = req;
    this.#capitalize = capitalize;
    this.#log = log;
    this.#continue = hundredContinue;
  }

  /** PEP 3333's start_response: validates now, sends nothing. */
  readonly startResponse: StartResponse = (status, headers, excInfo) => {
    if (excInfo) {
      if (this.#sink.headersSent) throw excInfo; // too late to change the status: re-raise
    } else if (this.#head !== null) {
      throw new WsgiError('WSGI_ERR_HEADERS_SET', 'pass exc_info to replace the status and headers');
    }
    const head = parseHead(status, headers, this.#capitalize);
    const code = head.statusCode;
    this.#head = head;
    this.statusCode = code;
    this.#bodyless = this.#req.method === 'HEAD' || code < 200 || code === 204 || code === 304;
    return this.write;
  };

  /** The write() callable: sends at once; the promise, when there is one, resolves on drain. */
  readonly write: Write = (chunk) => {
    if (this.#head === null) {
      throw new WsgiError('WSGI_ERR_WRITE_BEFORE_START', 'call start_response before write()');
    }
    if (this.aborted) throw new WsgiError('WSGI_ERR_CLIENT_GONE', 'the client closed the connection');
    if (this.#finished) {
      throw new WsgiError('WSGI_ERR_BODY', 'write() called after the response was complete; its bytes were not sent');
    }
    const buffer = toBuffer(chunk);
    if (buffer.length > 0) this.#append(buffer);
    return this.#flush();
  };

  /**
   * Send what the app returned. A list goes out as one head plus one body, with no
   * promise unless it has to wait; anything else is iterated.
   */
  send(body: unknown, minChunk: number): Promise<void> | undefined {
    this.#minChunk = minChunk;
    if (Array.isArray(body) && !this.#sink.headersSent) return this.#sendList(body);
    return this.#stream(body);
  }

  async #stream(body: unknown): Promise<void> {
    const { it, async: isAsync } = iterate(body);
    this.#watch();
    for (;;) {
      let step: IteratorResult<unknown> | Promise<IteratorResult<unknown>> | undefined = it.next();
      if (isAsync) step = await this.#unlessAborted(step as Promise<IteratorResult<unknown>>);
      if (this.aborted) return abandon(it);
      const { done, value } = step as IteratorResult<unknown>;
      if (done) break;
      let buffer: Buffer;
      try {
        buffer = toBuffer(value);
      } catch (err) {
        abandon(it);
        throw err;
      }
      if (buffer.length === 0) continue;
      this.#append(buffer);
      if (this.#pendingSize >= this.#minChunk || this.#full || this.#bodyless) {
        const drained = this.#flush();
        if (drained !== undefined) await drained;
      }
      if (this.#full || this.aborted || (this.#bodyless && this.#sink.headersSent)) {
        abandon(it);
        break;
      }
    }
    return this.#end();
  }

  /** An app error: a 500 (or the front end's handler) before the head went out, an abort after. */
  fail(err: unknown, debug: boolean, onError: ((err: unknown) => void) | undefined): void {
    this.#finished = true;
    this.#log(`Error in the WSGI app for ${this.#describe}:\n${describeError(err)}\n`);
    this.#pending = null;
    this.#pendingSize = 0;
    if (this.#sink.headersSent) {
      this.#sink.abort();
      return;
    }
    this.statusCode = 500;
    // A framework's error handler answers (and may still send a 100 to read the body first).
    if (onError !== undefined) return onError(err);
    this.#committed();
    this.#sink.serverError(debug ? Buffer.from(describeError(err), 'utf8') : Buffer.alloc(0));
  }

  /** The request, for log lines. */
  get #describe(): string {
    return `${this.#req.method} ${this.#req.url}`;
  }

  /** The final head is handed to the sink now: no 100 Continue may follow it. */
  #committed(): void {
    this.#continue?.finalHead();
  }

  #requireHead(): ResponseHead {
    if (this.#head === null) {
      throw new WsgiError('WSGI_ERR_NO_START_RESPONSE', 'the app returned its body without calling start_response');
    }
    return this.#head;
  }

  #sendList(body: unknown[]): Promise<void> | undefined {
    const head = this.#requireHead();
    let payload: string | Buffer;
    let length: number;
    if (body.length === 1 && typeof body[0] === 'string' && !head.latin1) {
      payload = body[0];
      length = Buffer.byteLength(payload);
    } else {
      const buffers = body.map(toBuffer);
      length = 0;
      for (const b of buffers) length += b.length;
      payload = buffers.length === 1 ? buffers[0]! : Buffer.concat(buffers, length);
    }
    if (head.contentLength !== -1 && length !== head.contentLength && !this.#bodyless) {
      // A mismatch goes the streaming way, which cuts an excess and closes after a shortfall.
      this.#append(typeof payload === 'string' ? Buffer.from(payload) : payload);
      this.#watch();
      return this.#end();
    }
    this.#finished = true;
    this.#committed();
    this.#sink.whole(head, length === 0 ? null : payload, length, this.#bodyless);
    this.#bodyBytes = length;
    return undefined;
  }

  #append(buffer: Buffer): void {
    // A chunk yielded before start_response is the app's error, named as such.
    const declared = this.#requireHead().contentLength;
    (this.#pending ??= []).push(buffer);
    this.#pendingSize += buffer.length;
    if (declared !== -1) this.#capPending();
  }

  // An app-declared Content-Length is never exceeded: the excess is cut and logged.
  #capPending(): void {
    const room = this.#head!.contentLength - this.#bodyBytes;
    if (this.#pendingSize < room || this.#bodyless) return;
    this.#full = true;
    if (this.#pendingSize === room) return;
    this.#log(`WSGI app for ${this.#describe} yielded more than its Content-Length ` +
      `${this.#head!.contentLength}; the excess was not sent\n`);
    const all = Buffer.concat(this.#pending!, this.#pendingSize);
    this.#pending = [all.subarray(0, room)];
    this.#pendingSize = room;
  }

  /** Write what is pending (the head first if need be); a promise when the client is slow. */
  #flush(): Promise<void> | undefined {
    const sink = this.#sink;
    if (!sink.headersSent) {
      const head = this.#requireHead();
      this.#committed();
      sink.head(head, -1, this.#bodyless);
    }
    const size = this.#pendingSize;
    if (size === 0 || this.aborted) return undefined;
    const pending = this.#pending!;
    const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
    pending.length = 0;
    this.#pendingSize = 0;
    if (this.#bodyless) return undefined;
    this.#bodyBytes += size;
    if (sink.write(data)) return undefined;
    this.#watch();
    // Several writes may wait at once (an app that does not await each write()): keep them all.
    return new Promise((resolve) => {
      (this.#drains ??= []).push(resolve);
    });
  }

  async #end(): Promise<void> {
    const drained = this.#flush();
    if (drained !== undefined) await drained;
    if (this.aborted) return;
    this.#finished = true;
    const declared = this.#head!.contentLength;
    if (declared !== -1 && this.#bodyBytes < declared && !this.#bodyless) {
      // A short body: the client must not read the next response as the rest of this one.
      this.#log(`WSGI app for ${this.#describe} sent ${this.#bodyBytes} bytes of its ` +
        `Content-Length ${declared}; closing the connection\n`);
      this.#sink.endShort();
      return;
    }
    this.#sink.end();
  }

  // Release the writers on drain (an empty buffer means every earlier write is out), and
  // on a client that left; only a client that left ends the wait for an async body's step.
  #watch(): void {
    if (this.#watching) return;
    this.#watching = true;
    const drained = (): void => {
      const waiters = this.#drains;
      if (waiters === null) return;
      this.#drains = null;
      for (const resolve of waiters) resolve();
    };
    this.#sink.watch(drained, () => {
      this.aborted = true;
      drained();
      const stop = this.#stepGone;
      this.#stepGone = null;
      stop?.();
    });
  }

  /** Await an async iterator's step, but stop waiting if the client leaves meanwhile. */
  #unlessAborted<T>(step: Promise<T>): Promise<T | undefined> {
    if (this.aborted) return Promise.resolve(undefined);
    return new Promise<T | undefined>((resolve, reject) => {
      this.#stepGone = () => resolve(undefined);
      step.then((value) => {
        this.#stepGone = null;
        resolve(value);
      }, (err: unknown) => {
        this.#stepGone = null;
        reject(err);
      });
    });
  }
}

/** A chunk as bytes; anything else the app yields is an error that says what it was. */
export function toBuffer(chunk: unknown): Buffer {
  if (typeof chunk === 'string') return Buffer.from(chunk, 'utf8');
  if (Buffer.isBuffer(chunk)) return chunk;
  if (chunk instanceof Uint8Array) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  throw new WsgiError('WSGI_ERR_CHUNK', `body chunks must be strings or Uint8Arrays, got ${typeName(chunk)}`);
}

function iterate(body: unknown): { it: AnyIterator; async: boolean } {
  if (body !== null && typeof body === 'object' && !(body instanceof Uint8Array)) {
    const asyncIt = (body as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof asyncIt === 'function') return { it: asyncIt.call(body), async: true };
    const syncIt = (body as Iterable<unknown>)[Symbol.iterator];
    if (typeof syncIt === 'function') return { it: syncIt.call(body), async: false };
  }
  const hint = typeof body === 'string' || body instanceof Uint8Array ? ' (wrap a single chunk in a list: [body])' : '';
  throw new WsgiError('WSGI_ERR_BODY', `the app must return an iterable of chunks, got ${typeName(body)}${hint}`);
}

/** Tell an iterator we stopped early, so a generator's finally blocks run. */
function abandon(it: AnyIterator): void {
  try {
    const result = it.return?.();
    if (result instanceof Promise) result.catch(() => {});
  } catch {
    // the generator's own cleanup failed; close() and the log still follow
  }
}
