import type { UnderlyingSource } from 'node:stream/web';
import { WsgiError, type Environ } from '@wsgi-bridge/core';
import { hasPosthooks, type ResponseHead, type ResponseSink } from '@wsgi-bridge/core/adapter';

// How much of a streamed body may wait in the stream's queue before the app is held back.
const HIGH_WATER_MARK = 64 * 1024;
const byteLength = (chunk: Uint8Array): number => chunk.byteLength;
const STRATEGY: QueuingStrategy<Uint8Array> = { highWaterMark: HIGH_WATER_MARK, size: byteLength };
const SERVER_ERROR = 'Internal Server Error';

/** Header init: a plain record (what runtimes take fastest), or Headers when a name repeats. */
type HeaderInit = Record<string, string> | Headers;

/**
 * Sends a WSGI response as a Fetch `Response`, handed out by {@link FetchSink.response}.
 * A list body is the Response's body as it is; any other body is a `ReadableStream`
 * that the app's chunks are enqueued into, paced by the stream: `write()` says wait
 * once the queue holds {@link HIGH_WATER_MARK} bytes, and the stream's `pull` (the
 * consumer read) is the drain. Cancelling the stream is the client leaving.
 */
export class FetchSink implements ResponseSink, UnderlyingSource<Uint8Array> {
  /** Body bytes handed to the runtime (it frames the response). */
  bytesWritten = 0;
  /** True once the Response exists: from then on the status is fixed. */
  headersSent = false;

  readonly #environ: Environ;
  #response: Response | null = null;
  #deliver: ((response: Response) => void) | null = null;
  #controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  #drain: (() => void) | null = null;
  #gone: (() => void) | null = null;
  /** The core ended the body; the stream closes once its queue is read. */
  #ended = false;
  /** The stream is over: fully read, cancelled or errored (or there never was one). */
  #finished = false;
  #onFinish: (() => void) | null = null;

  constructor(environ: Environ) {
    this.#environ = environ;
  }

  /** The Response, once the core has decided its head. */
  response(): Promise<Response> {
    const ready = this.#response;
    if (ready !== null) return Promise.resolve(ready);
    return new Promise((resolve) => {
      this.#deliver = resolve;
    });
  }

  head(head: ResponseHead, length: number, bodyless: boolean): void {
    this.#publish(head, bodyless ? null : new ReadableStream(this, STRATEGY), length);
  }

  whole(head: ResponseHead, body: Buffer | string | null, length: number, bodyless: boolean): void {
    const payload = bodyless ? null : body;
    if (payload === null || !hasPosthooks(this.#environ)) {
      // A string body as it is only under the app's Content-Type: a Response would add its own.
      this.#publish(head, typeof payload === 'string' && !hasContentType(head.headers) ? Buffer.from(payload) : payload, length);
      return;
    }
    // Post hooks wait: a one-chunk stream tells when the body has been read.
    this.#publish(head, new ReadableStream(this, STRATEGY), length);
    this.write(typeof payload === 'string' ? Buffer.from(payload) : payload);
    this.end();
  }

  write(data: Buffer): boolean {
    const controller = this.#controller;
    if (controller === null || this.#finished) return true;
    this.bytesWritten += data.length;
    controller.enqueue(data);
    return controller.desiredSize! > 0;
  }

  end(): void {
    this.#ended = true;
    if (this.#controller === null) this.#finish();
    else if (this.#queueEmpty()) this.#close();
  }

  endShort(): void {
    this.#fail('the WSGI app sent less than its Content-Length');
  }

  abort(): void {
    this.#fail('the WSGI app failed after its response had begun');
  }

  serverError(body: Buffer): void {
    const headers = { 'Content-Type': 'text/plain', 'Content-Length': String(body.length) };
    this.#deliverResponse(new Response(body.length === 0 ? null : body, { status: 500, statusText: SERVER_ERROR, headers }));
    this.#finish();
  }

  watch(drain: () => void, gone: () => void): void {
    this.#drain = drain;
    this.#gone = gone;
  }

  done(): Promise<void> {
    if (this.#finished) return Promise.resolve();
    return new Promise((resolve) => {
      this.#onFinish = resolve;
    });
  }

  /** The stream starts: keep its controller. */
  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
  }

  /** The consumer wants more: the app may go on, or the ended body closes once read. */
  pull(): void {
    if (!this.#ended) this.#drain?.();
    else if (this.#queueEmpty()) this.#close();
  }

  /** The consumer gave up (the client went away): the core stops the app and closes its body. */
  cancel(): void {
    if (this.#finished) return;
    this.#finish();
    this.#gone?.();
  }

  #publish(head: ResponseHead, body: ReadableStream<Uint8Array> | Uint8Array | string | null, length: number): void {
    const code = head.statusCode;
    if (code < 200) {
      throw new WsgiError('WSGI_ERR_STATUS', `a Fetch Response cannot carry the final status ${head.status}`);
    }
    const headers = headerInit(head.headers);
    // A HEAD of a 200 tells the length a GET would have; a 204 or 304 has none to tell.
    if (length !== -1 && head.contentLength === -1 && code !== 204 && code !== 304) {
      setHeader(headers, 'Content-Length', String(length));
    }
    if (body instanceof ReadableStream) {
      // the stream counts its bytes as they are enqueued
    } else {
      if (body !== null) this.bytesWritten += length;
      this.#finished = true;
    }
    this.#deliverResponse(new Response(body, { status: code, statusText: head.reason, headers }));
  }

  #deliverResponse(response: Response): void {
    this.headersSent = true;
    this.#response = response;
    const deliver = this.#deliver;
    this.#deliver = null;
    deliver?.(response);
  }

  #queueEmpty(): boolean {
    return this.#controller!.desiredSize === HIGH_WATER_MARK;
  }

  #close(): void {
    if (this.#finished) return;
    this.#controller!.close();
    this.#finish();
  }

  /** Error the stream, so the client sees a broken body rather than a clean end. */
  #fail(reason: string): void {
    const controller = this.#controller;
    if (controller !== null && !this.#finished) controller.error(new Error(reason));
    this.#finish();
  }

  #finish(): void {
    this.#finished = true;
    const resolve = this.#onFinish;
    this.#onFinish = null;
    resolve?.();
  }
}

/** A flat `[name, value, …]` list as a Response's headers; a repeated name (Set-Cookie) keeps each value. */
function headerInit(flat: readonly string[]): HeaderInit {
  // A plain object in fast mode, the cheapest init; `__proto__` (a valid token) could not be a key of it.
  const record: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    if (record[name] !== undefined || name === '__proto__') return headerList(flat);
    record[name] = flat[i + 1]!;
  }
  return record;
}

function headerList(flat: readonly string[]): Headers {
  const headers = new Headers();
  for (let i = 0; i < flat.length; i += 2) headers.append(flat[i]!, flat[i + 1]!);
  return headers;
}

/** Whether the app gave a Content-Type (any case). */
function hasContentType(flat: readonly string[]): boolean {
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    if (name.length === 12 && name.toLowerCase() === 'content-type') return true;
  }
  return false;
}

function setHeader(headers: HeaderInit, name: string, value: string): void {
  if (headers instanceof Headers) headers.set(name, value);
  else headers[name] = value;
}
