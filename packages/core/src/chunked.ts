import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { BodySource } from './body-source.js';
import { WsgiError } from './errors.js';

const CRLF = Buffer.from('\r\n');
const MAX_LINE = 4096; // a chunk-size line or a trailer line; llhttp allows no more in practice
const HIGH_WATER = 64 * 1024;
// chunk-size [ BWS ; chunk-ext ] (RFC 9112 §7.1); extensions are ignored
const SIZE_LINE = /^([0-9A-Fa-f]{1,13})(?:[ \t]*;.*)?$/;

const enum State { Size, Data, DataEnd, Trailer, Done }

/**
 * A chunked-body decoder fed raw bytes: used when a connection carries a second chunked
 * body after Node's parser has finished with the request (eventlet's repeated "100 Continue").
 */
export class ChunkedDecoder {
  #state = State.Size;
  #remaining = 0;
  #line = '';

  get done(): boolean {
    return this.#state === State.Done;
  }

  /** Decode `data`; returns the body bytes it held and how much of `data` the body used. */
  feed(data: Buffer): { chunks: Buffer[]; used: number } {
    const chunks: Buffer[] = [];
    let at = 0;
    while (at < data.length && this.#state !== State.Done) {
      if (this.#state === State.Data) {
        const take = Math.min(this.#remaining, data.length - at);
        chunks.push(data.subarray(at, at + take));
        at += take;
        this.#remaining -= take;
        if (this.#remaining === 0) this.#state = State.DataEnd;
        continue;
      }
      const end = data.indexOf(CRLF[1]!, at); // LF
      const piece = data.toString('latin1', at, end === -1 ? data.length : end + 1);
      at = end === -1 ? data.length : end + 1;
      this.#line += piece;
      if (this.#line.length > MAX_LINE) throw malformed('a chunk line is too long');
      if (end !== -1) this.#endLine(this.#line);
    }
    return { chunks, used: at };
  }

  #endLine(raw: string): void {
    this.#line = '';
    if (!raw.endsWith('\r\n')) throw malformed('a chunk line must end with CRLF');
    const line = raw.slice(0, -2);
    switch (this.#state) {
      case State.Size: {
        const match = SIZE_LINE.exec(line);
        if (match === null) throw malformed(`bad chunk size line ${JSON.stringify(line)}`);
        this.#remaining = parseInt(match[1]!, 16);
        this.#state = this.#remaining === 0 ? State.Trailer : State.Data;
        return;
      }
      case State.DataEnd:
        if (line !== '') throw malformed('chunk data longer than its size');
        this.#state = State.Size;
        return;
      default: // Trailer: fields are ignored; an empty line ends the body
        if (line === '') this.#state = State.Done;
    }
  }
}

function malformed(detail: string): WsgiError {
  return new WsgiError('WSGI_ERR_INPUT_MALFORMED', detail);
}

interface NodeServerSocket extends Socket {
  parser?: unknown;
}

/**
 * Take a kept connection's input away from Node's HTTP parser and decode the next
 * chunked body from it ourselves. The connection cannot carry another request after
 * that, so the response will close it. Returns null where Node's wiring is not the
 * one we know (then there is no second body to read).
 */
export function takeNextChunkedBody(req: IncomingMessage, res: ServerResponse): BodySource | null {
  const socket = req.socket as NodeServerSocket;
  // Node feeds its parser from this 'data' listener once the parser stops consuming
  // the socket directly (adding any 'data' listener makes it stop, as for upgrades).
  const feed = socket.parser ? socket.listeners('data').find((fn) => fn.name === 'bound socketOnData') : undefined;
  if (feed === undefined) return null;
  res.shouldKeepAlive = false;
  return new SocketChunkedSource(socket, feed as (data: Buffer) => void);
}

class SocketChunkedSource implements BodySource {
  readonly #socket: Socket;
  readonly #decoder = new ChunkedDecoder();
  #queue: Buffer[] = [];
  #queued = 0;
  #error: Error | null = null;
  #paused = false;
  #waiter: (() => void) | null = null;

  constructor(socket: Socket, parserFeed: (data: Buffer) => void) {
    this.#socket = socket;
    socket.on('data', this.#onData);
    socket.removeListener('data', parserFeed);
    socket.once('close', this.#onClose);
  }

  async next(): Promise<Buffer | null> {
    for (;;) {
      if (this.#queue.length > 0) {
        const chunk = this.#queue.shift()!;
        this.#queued -= chunk.length;
        if (this.#paused && this.#queued < HIGH_WATER) {
          this.#paused = false;
          this.#socket.resume();
        }
        return chunk;
      }
      if (this.#error !== null) throw this.#error;
      if (this.#decoder.done) return null;
      await new Promise<void>((resolve) => {
        this.#waiter = resolve;
      });
    }
  }

  readonly #onData = (data: Buffer): void => {
    if (this.#decoder.done || this.#error !== null) return; // after the body: the connection is closing
    try {
      for (const chunk of this.#decoder.feed(data).chunks) {
        this.#queue.push(chunk);
        this.#queued += chunk.length;
      }
      if (this.#queued >= HIGH_WATER && !this.#paused) {
        this.#paused = true; // an upload is never buffered whole
        this.#socket.pause();
      }
    } catch (err) {
      this.#error = err as Error;
    }
    this.#wake();
  };

  readonly #onClose = (): void => {
    if (!this.#decoder.done && this.#error === null) {
      this.#error = new WsgiError('WSGI_ERR_INPUT_TRUNCATED', 'the client closed the connection before the chunked body was complete');
    }
    this.#wake();
  };

  #wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }
}
