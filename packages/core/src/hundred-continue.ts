import type { IncomingMessage, ServerResponse } from 'node:http';
import { WsgiError } from './errors.js';
import { capitalizeHeaderName, isHeaderValue, isToken } from './headers.js';
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
  readonly #res: ServerResponse & ContinueFlags;
  #headers: HeaderList = [];

  constructor(res: ServerResponse) {
    this.#res = res;
  }

  /** Whether the client asked for a 100 and none has been sent yet. */
  get pending(): boolean {
    const res = this.#res;
    return res._expect_continue === true && res._sent100 !== true;
  }

  /** Headers for the next 100, capitalized as eventlet does (`Header-k` → `Header-K`). */
  setHeaders(headers: HeaderList): void {
    if (!Array.isArray(headers)) {
      throw new WsgiError('WSGI_ERR_HEADERS', '100 Continue headers must be a list of [name, value] pairs');
    }
    this.#headers = headers.map((pair) => {
      const [name, value] = Array.isArray(pair) ? pair : [];
      if (typeof name !== 'string' || !isToken(name)) {
        throw new WsgiError('WSGI_ERR_HEADERS', `invalid 100 Continue header name ${JSON.stringify(name)}`);
      }
      if (typeof value !== 'string' || !isHeaderValue(value)) {
        throw new WsgiError('WSGI_ERR_HEADERS', `invalid value for 100 Continue header ${name}: ` +
          'it must be latin-1 text without CR, LF or other control characters');
      }
      return [capitalizeHeaderName(name), value];
    });
  }

  /** Send a 100 now unless the final response head has gone out. Returns whether one was sent. */
  send(): boolean {
    const res = this.#res;
    if (res.headersSent || res.destroyed) return false;
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
    return true;
  }
}

/** Whether Node flagged this request as waiting for a 100 (HTTP/1.1 with Expect: 100-continue). */
export function expectsContinue(req: IncomingMessage, res: ServerResponse): boolean {
  return req.headers.expect !== undefined && (res as ContinueFlags)._expect_continue === true;
}
