import { WsgiError } from './errors.js';
import { HOP_BY_HOP, isAsciiHeaderValue, isHeaderValue, responseHeaderName } from './headers.js';
import type { HeaderList } from './types.js';

// `NNN reason`: three digits, a space, then latin-1 text without controls (PEP 3333).
const STATUS = /^[1-9][0-9]{2} [\t\x20-\x7e\x80-\xff]*$/;

/** A validated status and header list, ready to go on the wire. */
export interface ResponseHead {
  status: string;
  statusCode: number;
  reason: string;
  /** Flat `[name, value, name, value, …]`, the shape `writeHead` takes without copying. */
  headers: string[];
  /** The app's Content-Length, or -1 when it gave none. */
  contentLength: number;
  hasDate: boolean;
  /**
   * The status or a value has characters above U+007F: the head must go out as latin-1,
   * never glued to a UTF-8 string body (Node writes head plus string body in the body's encoding).
   */
  latin1: boolean;
}

/** A checked status line, split. */
interface Status {
  readonly status: string;
  readonly code: number;
  readonly reason: string;
  readonly latin1: boolean;
}

// The last status checked: an app answers with the same few, so most requests skip the checks.
let lastStatus: Status = checkStatus('200 OK');

function checkStatus(status: unknown): Status {
  if (typeof status !== 'string' || !STATUS.test(status)) {
    throw new WsgiError('WSGI_ERR_STATUS', `${JSON.stringify(status)} is not "NNN reason" ` +
      '(three digits, a space, latin-1 text without CR or LF)');
  }
  const code = (status.charCodeAt(0) - 48) * 100 + (status.charCodeAt(1) - 48) * 10 + status.charCodeAt(2) - 48;
  return { status, code, reason: status.slice(4), latin1: !isAsciiHeaderValue(status) };
}

/** Check `start_response`'s arguments; throws a WsgiError naming what is wrong. */
export function parseHead(status: unknown, headers: unknown, capitalize: boolean): ResponseHead {
  const line = status === lastStatus.status ? lastStatus : (lastStatus = checkStatus(status));
  if (!Array.isArray(headers)) {
    throw new WsgiError('WSGI_ERR_HEADERS', `headers must be a list of [name, value] pairs, got ${typeName(headers)}`);
  }
  // Grown by push from empty: V8's first growth leaves room for the framing headers the
  // sink adds, where a pre-sized array would be copied again by the first of them.
  const flat: string[] = [];
  let contentLength = -1;
  let hasDate = false;
  let latin1 = line.latin1;
  for (let i = 0; i < headers.length; i++) {
    const pair = (headers as HeaderList)[i];
    if (!Array.isArray(pair) || pair.length !== 2) {
      throw new WsgiError('WSGI_ERR_HEADERS', `header ${i} is not a [name, value] pair: ${typeName(pair)}`);
    }
    const [name, value] = pair;
    const known = typeof name === 'string' ? responseHeaderName(name) : null;
    if (known === null) {
      throw new WsgiError('WSGI_ERR_HEADERS', `header name ${JSON.stringify(name)} is not an HTTP token`);
    }
    // Plain ASCII is the common case and one test; anything else must be clean latin-1.
    if (typeof value !== 'string' || !isAsciiHeaderValue(value)) {
      if (typeof value !== 'string' || !isHeaderValue(value)) {
        throw new WsgiError('WSGI_ERR_HEADERS', `value of header ${name} must be latin-1 text without CR, LF ` +
          `or other control characters, got ${JSON.stringify(value)}`);
      }
      latin1 = true;
    }
    const lower = known.watched;
    if (lower !== '' && HOP_BY_HOP.has(lower)) {
      throw new WsgiError('WSGI_ERR_HEADERS', `${name} is a hop-by-hop header; the server manages the connection`);
    }
    if (lower === 'content-length') {
      const length = parseContentLength(value);
      if (contentLength !== -1 && contentLength !== length) {
        throw new WsgiError('WSGI_ERR_HEADERS', `conflicting Content-Length headers ${contentLength} and ${value}`);
      }
      // An identical repeat is sent once: clients such as Node's refuse a duplicate Content-Length.
      if (contentLength !== -1) continue;
      contentLength = length;
    } else if (lower === 'date') {
      hasDate = true;
    }
    flat.push(capitalize ? known.capitalized : name, value);
  }
  return { status: line.status, statusCode: line.code, reason: line.reason, headers: flat, contentLength, hasDate, latin1 };
}

function parseContentLength(value: string): number {
  if (!/^[0-9]{1,15}$/.test(value)) {
    throw new WsgiError('WSGI_ERR_HEADERS', `Content-Length must be a non-negative integer, got ${JSON.stringify(value)}`);
  }
  return Number(value);
}

export function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  return `${typeof value} ${JSON.stringify(value)}`;
}
