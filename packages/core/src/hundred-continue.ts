import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { BodySource } from './body-source.js';
import { takeNextChunkedBody } from './chunked.js';
import { WsgiError } from './errors.js';
import { isHeaderValue, responseHeaderName } from './headers.js';
import type { HeaderList } from './types.js';

// Node keeps these flags to decide keep-alive after an `Expect: 100-continue`;
// reading and setting them keeps our 100s and Node's own in agreement.
interface ContinueFlags {
  _expect_continue?: boolean;
  _sent100?: boolean;
  _writeRaw?: (data: string, encoding: BufferEncoding) => boolean;
  writeInformation?: (status: number, headers: Record<string, string | string[]>) => void;
}

/**
 * eventlet's "100 Continue" with headers: sent lazily on the first body read, again
 * on each `send_hundred_continue_response()`, never once the final head is out.
 */
export class HundredContinue {
  readonly #req: IncomingMessage;
  readonly #res: ServerResponse & ContinueFlags;
  #headers: HeaderList = [];

  constructor(req: IncomingMessage, res: ServerResponse) {
    this.#req = req;
    this.#res = res;
  }

  /** Whether the client asked for a 100 and none has been sent yet. */
  get pending(): boolean {
    const res = this.#res;
    return res._expect_continue === true && res._sent100 !== true;
  }

  /** Headers for the next 100s (they persist, as in eventlet). */
  setHeaders(headers: HeaderList): void {
    this.#headers = headers;
  }

  /**
   * After a chunked body has ended, the next one comes on the same connection, past
   * Node's parser (eventlet's test_024b). Null for a Content-Length body: reads go on in it.
   */
  nextBody(): BodySource | null {
    return this.#req.headers['transfer-encoding'] === undefined ? null : takeNextChunkedBody(this.#req, this.#res);
  }

  /**
   * The final head is committed (to whatever sink carries it, which may write it later):
   * no 100 may follow it (eventlet's test_024d).
   */
  finalHead(): void {
    committed.add(this.#res);
  }

  /** Whether a 100 may still go out. */
  get open(): boolean {
    return mayContinue(this.#res);
  }

  /** Send a 100 now, unless the final head has gone out. */
  send(): void {
    if (!this.open) return;
    const res = this.#res;
    const headers = this.#headers;
    if (headers.length === 0) {
      res.writeContinue();
    } else if (typeof res.writeInformation === 'function') {
      const record: Record<string, string[]> = {};
      for (const [name, value] of headers) (record[name] ??= []).push(value);
      res.writeInformation(100, record);
    } else {
      let head = 'HTTP/1.1 100 Continue\r\n';
      for (const [name, value] of headers) head += `${name}: ${value}\r\n`;
      res._writeRaw!(`${head}\r\n`, 'latin1');
    }
    res._sent100 = true;
  }
}

/** Validate 100 Continue headers and capitalize their names as eventlet does (`Header-k` → `Header-K`). */
export function continueHeaders(headers: HeaderList): HeaderList {
  if (!Array.isArray(headers)) {
    throw new WsgiError('WSGI_ERR_HEADERS', '100 Continue headers must be a list of [name, value] pairs');
  }
  return headers.map((pair) => {
    const [name, value] = Array.isArray(pair) ? pair : [];
    const known = typeof name === 'string' ? responseHeaderName(name) : null;
    if (known === null) {
      throw new WsgiError('WSGI_ERR_HEADERS', `invalid 100 Continue header name ${JSON.stringify(name)}`);
    }
    if (typeof value !== 'string' || !isHeaderValue(value)) {
      throw new WsgiError('WSGI_ERR_HEADERS', `invalid value for 100 Continue header ${name}: ` +
        'it must be latin-1 text without CR, LF or other control characters');
    }
    return [known.capitalized, value];
  });
}

const deferring = new WeakSet<Server>();
// Responses whose final head the core has committed to a sink that may write it later
// (a framework's reply): neither wsgi.input nor a deferred first read may send a 100 then.
const committed = new WeakSet<ServerResponse>();

function mayContinue(res: ServerResponse): boolean {
  return !res.headersSent && !res.destroyed && !committed.has(res);
}

/**
 * Route `server`'s `Expect: 100-continue` requests to its request listeners with the
 * 100 deferred instead of sent at once: a WSGI app's wsgi.input sends it (with any
 * headers) on its first read; for any other route, whatever first reads the body
 * sends a plain 100, so no client waits for its timeout. Idempotent.
 */
export function deferContinue(server: Server): void {
  if (deferring.has(server)) return;
  deferring.add(server);
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    continueOnFirstRead(req, res);
    server.emit('request', req, res);
  });
}

function continueOnFirstRead(req: IncomingMessage, res: ServerResponse & ContinueFlags): void {
  const read = req._read;
  req._read = function readAfterContinue(this: IncomingMessage, size: number): void {
    req._read = read;
    if (!res._sent100 && mayContinue(res)) res.writeContinue();
    read.call(this, size);
  };
}

/**
 * Whether Node flagged this request as waiting for a 100 (HTTP/1.1, `Expect: 100-continue`).
 * Node's flag, not `req.headers`: reading that builds the header object on every request.
 */
export function expectsContinue(res: ServerResponse): boolean {
  return (res as ContinueFlags)._expect_continue === true;
}
