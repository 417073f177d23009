import type { IncomingMessage, ServerResponse } from 'node:http';
import { httpDate } from './http-date.js';
import type { HundredContinue } from './hundred-continue.js';
import { cutOff, groupHeaders, responseDone } from './server-response.js';
import type { ResponseSink } from './sink.js';
import type { ResponseHead } from './start-response.js';

/** How the connection may be kept, decided by the front end (eventlet's `keepalive`). */
export interface ConnectionPolicy {
  /** false: every response closes its connection. */
  keepalive: boolean;
  /** `Keep-Alive` header value sent when the client asked for keep-alive, or null. */
  keepAliveHeader: string | null;
  /** Whether chunked framing may be used (false under `maxHttpVersion: 'HTTP/1.0'`). */
  chunked: boolean;
  /** Whether the server is shutting down (responses then close their connection). */
  closing: () => boolean;
  /** false: leave Connection and Keep-Alive to Node when the connection stays (a framework's routes get Node's). */
  eventletHeaders: boolean;
}

const CONNECTION = /^connection$/i;
const KEEP_ALIVE = /keep-alive/i;
const EMPTY = Buffer.alloc(0);

/**
 * Writes straight onto a ServerResponse, with eventlet's header block: the app's
 * headers in order, then Date, Transfer-Encoding and Connection, each only when due.
 */
export class NodeSink implements ResponseSink {
  bytesWritten = 0;
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse;
  readonly #policy: ConnectionPolicy;
  readonly #continue: HundredContinue | null;
  #chunked = false;

  constructor(req: IncomingMessage, res: ServerResponse, policy: ConnectionPolicy, hundred: HundredContinue | null) {
    this.#req = req;
    this.#res = res;
    this.#policy = policy;
    this.#continue = hundred;
  }

  get headersSent(): boolean {
    return this.#res.headersSent;
  }

  head(head: ResponseHead, length: number, bodyless: boolean): void {
    const req = this.#req;
    const res = this.#res;
    const policy = this.#policy;
    // The head is this response's own and is sent once: the framing headers go on its list.
    const headers = head.headers;
    const code = head.statusCode;
    // A client still waiting for its 100 may send the body anyway: do not reuse the connection.
    // Nor after a 1xx as the final status: the client takes it as interim and waits for
    // another response, which only the close ends.
    let keepAlive = policy.keepalive && res.shouldKeepAlive && !policy.closing() && !this.#continue?.pending && code >= 200;
    // A HEAD of a 200 tells the length GET would have; a 1xx, 204 or 304 has none to tell.
    const statusForbidsBody = code < 200 || code === 204 || code === 304;
    if (length !== -1 && head.contentLength === -1 && !statusForbidsBody) {
      headers.push('Content-Length', String(length));
    }
    if (length === -1 && head.contentLength === -1 && !bodyless) {
      if (policy.chunked && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
        this.#chunked = true;
      } else {
        keepAlive = false; // the body ends when the connection does
        res.removeHeader('Transfer-Encoding');
      }
    }
    // Ours to send: `Connection: close`, or eventlet's echo of a client's keep-alive; else none.
    const connection = !keepAlive ? 'close' : policy.eventletHeaders && askedKeepAlive(req.rawHeaders) ? 'keep-alive' : null;
    // Node writes Date right after the given headers, where eventlet has it, and for less
    // than a header of ours costs: it is left to Node unless a header of ours must follow it.
    if (!head.hasDate && (this.#chunked || connection !== null || !res.sendDate)) headers.push('Date', httpDate());
    if (this.#chunked) headers.push('Transfer-Encoding', 'chunked');
    if (connection !== null) {
      headers.push('Connection', connection);
      if (connection === 'keep-alive' && policy.keepAliveHeader !== null) headers.push('Keep-Alive', policy.keepAliveHeader);
    } else if (policy.eventletHeaders) {
      res.removeHeader('connection'); // keep the connection, but say nothing (as eventlet)
    } // else Node adds its own `Connection: keep-alive` and `Keep-Alive: timeout=N`
    writeHeadTo(res, head.statusCode, head.reason, headers);
    this.#countHead();
  }

  whole(head: ResponseHead, body: Buffer | string | null, length: number, bodyless: boolean): void {
    this.head(head, length, bodyless);
    if (bodyless || body === null) {
      this.#res.end();
    } else {
      this.#res.end(body);
      this.bytesWritten += length;
    }
  }

  write(data: Buffer): boolean {
    const size = data.length;
    this.bytesWritten += this.#chunked ? size + size.toString(16).length + 4 : size;
    return this.#res.write(data);
  }

  end(): void {
    if (this.#chunked) this.bytesWritten += 5; // 0\r\n\r\n
    this.#res.end();
  }

  endShort(): void {
    const res = this.#res;
    // Not end(): Node would take the response as complete and reuse the connection.
    res.write(EMPTY, () => res.destroy());
  }

  abort(): void {
    cutOff(this.#res);
  }

  serverError(body: Buffer): void {
    const res = this.#res;
    if (res.destroyed) return;
    res.writeHead(500, 'Internal Server Error', [
      'Content-Type', 'text/plain',
      'Content-Length', String(body.length),
      'Date', httpDate(),
      'Connection', 'close',
    ]);
    res.end(body);
    this.#countHead();
    this.bytesWritten += body.length;
  }

  watch(drain: () => void, gone: () => void): void {
    const res = this.#res;
    // The client left while an async app was still deciding: 'close' has come and gone.
    if (res.closed) {
      if (!res.writableFinished) gone();
      return;
    }
    res.on('drain', drain);
    res.on('close', () => {
      if (!res.writableFinished) gone();
    });
  }

  done(): Promise<void> {
    return responseDone(this.#res);
  }

  // Node builds the head as one latin-1 string; its length is the head's size in bytes.
  #countHead(): void {
    this.bytesWritten += (this.#res as { _header?: string | null })._header?.length ?? 0;
  }
}

/** Whether the client sent `Connection: keep-alive` (eventlet echoes it only then). */
function askedKeepAlive(raw: string[]): boolean {
  // The raw list, not req.headers: reading that builds the header object on every request.
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // The length first: the tests run only on a ten-letter name.
    if (name.length === 10 && CONNECTION.test(name) && KEEP_ALIVE.test(raw[i + 1]!)) return true;
  }
  return false;
}

/** Send the head through the fast path, or merge with headers a framework already set. */
function writeHeadTo(res: ServerResponse, code: number, reason: string, headers: string[]): void {
  if (res.getHeaderNames().length === 0) {
    res.writeHead(code, reason, headers);
    return;
  }
  // setHeader replaces: an app header replaces the framework's of that name, but cookies
  // add up (the framework's first), and a repeated name is set once, as a list.
  const grouped = groupHeaders(headers);
  const cookies = grouped.get('set-cookie');
  const preset = cookies === undefined ? undefined : res.getHeader('set-cookie');
  if (preset !== undefined) cookies![1].unshift(...(Array.isArray(preset) ? preset : [String(preset)]));
  for (const [name, values] of grouped.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
  res.writeHead(code, reason);
}
