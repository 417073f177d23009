import type { ReadableStreamReadResult } from 'node:stream/web';
import { WsgiError } from '@wsgi-bridge/core';
import type { BodySource, RequestLine } from '@wsgi-bridge/core/adapter';
import { targetStart } from './origin.js';

/**
 * A Fetch `Request` as the core sees it: its method and target (HEAD, log lines), and its
 * body read a chunk at a time from `request.body`'s reader, so nothing is buffered whole.
 * The body is only touched on the first read: on @hono/node-server, asking for
 * `request.body` builds the full Request, which a GET should not pay for.
 */
export class FetchRequest implements RequestLine, BodySource {
  readonly method: string;
  readonly #request: Request;
  #reader: ReadableStreamDefaultReader<Uint8Array> | null = null;
  #ended = false;

  constructor(request: Request) {
    this.#request = request;
    this.method = request.method;
  }

  /** The target as a Node request line has it (`/path?query`), for log lines: made only for them. */
  get url(): string {
    const url = this.#request.url;
    return url.slice(targetStart(url)) || '/';
  }

  next(): Buffer | null | Promise<Buffer | null> {
    if (this.#ended) return null;
    let reader = this.#reader;
    if (reader === null) {
      const body = this.#request.body;
      if (body === null) {
        this.#ended = true;
        return null;
      }
      if (body.locked || this.#request.bodyUsed) {
        return Promise.reject(new WsgiError('WSGI_ERR_PARSED_BODY',
          'the Request body was already read or locked before the WSGI app could read it; ' +
          'pass the Request to the handler before anything reads its body'));
      }
      reader = this.#reader = body.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    }
    return this.#read(reader);
  }

  async #read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<Buffer | null> {
    for (;;) {
      let step: ReadableStreamReadResult<Uint8Array>;
      try {
        step = await reader.read();
      } catch (err) {
        this.#ended = true;
        throw new WsgiError('WSGI_ERR_INPUT_TRUNCATED',
          'the Request body stream failed before it was complete (the client went away?)', { cause: err });
      }
      if (step.done) {
        this.#ended = true;
        return null;
      }
      const chunk = step.value;
      // A body stream may hand out empty chunks: nothing to serve, read on.
      if (chunk.byteLength > 0) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    }
  }

  /**
   * Let go of a body the app started reading but did not finish: the rest is read and
   * dropped, as the Node front ends and eventlet do, so the connection stays usable.
   * (Cancelling the reader would have @hono/node-server destroy the request, and with it
   * the connection.)
   */
  discard(): void {
    const reader = this.#reader;
    if (reader === null || this.#ended) return;
    this.#ended = true;
    void drain(reader);
  }
}

async function drain(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
  try {
    while (!(await reader.read()).done);
  } catch {
    // the client went away: nothing left to drop
  }
}

/** The handler's `discardBody`: one function for every request. */
export function discardBody(request: FetchRequest): void {
  request.discard();
}
