import type { IncomingMessage } from 'node:http';
import { BAD_REQUEST, hasTwoHosts } from '@wsgi-bridge/core/adapter';

/** eventlet's MAX_HEADER_LINE and MAX_TOTAL_HEADER_SIZE, and the stdlib's header count limit. */
const MAX_HEADER_LINE = 8192;
const MAX_TOTAL_HEADER_SIZE = 65536;
const MAX_HEADERS = 100;

// eventlet's replies, byte for byte (HTTP/1.0 status lines, `Content-length` spelt as it does).
const URI_TOO_LONG = 'HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const HEADER_LINE_TOO_LONG = 'HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n';
const HEADERS_TOO_LARGE = 'HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n';
// The stdlib's 431 carries Server, Date and an HTML page; the status and the close are what matter.
const TOO_MANY_HEADERS = 'HTTP/1.1 431 Too many headers\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
// Node's parser takes any HTTP/d.d; eventlet (the stdlib) answers 2.0 and later with 505.
const VERSION_NOT_SUPPORTED = 'HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';

/** Node's parser limits that let eventlet's own checks see every request they should judge. */
export function parserLimits(urlLengthLimit: number): { maxHeaderSize: number; maxHeadersCount: number } {
  // Past this size Node refuses on its own (HPE_HEADER_OVERFLOW, answered as Headers Too Large);
  // one header past the count is kept so that overLimit() sees there were too many.
  return { maxHeaderSize: urlLengthLimit + MAX_TOTAL_HEADER_SIZE, maxHeadersCount: MAX_HEADERS + 1 };
}

/** eventlet's reply to a request over one of its limits (or of a version it does not speak, or with two Hosts), or null. */
export function overLimit(req: IncomingMessage, urlLengthLimit: number): string | null {
  if (req.httpVersionMajor !== 1) return VERSION_NOT_SUPPORTED;
  // method SP target SP HTTP/x.y CRLF
  if (req.method!.length + req.url!.length + 12 >= urlLengthLimit) return URI_TOO_LONG;
  const raw = req.rawHeaders;
  if (raw.length > MAX_HEADERS * 2) return TOO_MANY_HEADERS;
  let total = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const line = raw[i]!.length + raw[i + 1]!.length + 4; // name: value CRLF
    if (line >= MAX_HEADER_LINE) return HEADER_LINE_TOO_LONG;
    total += line;
  }
  if (total > MAX_TOTAL_HEADER_SIZE) return HEADERS_TOO_LARGE;
  return hasTwoHosts(raw) ? BAD_REQUEST : null;
}

/** What to answer when Node's parser rejects a request: eventlet's bytes, or null to close silently. */
export function clientErrorReply(code: string | undefined): string | null {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return HEADERS_TOO_LARGE;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ERR_HTTP_REQUEST_TIMEOUT': // headers too slow: eventlet's timeouts close without a word
      return null;
    default:
      return BAD_REQUEST;
  }
}
