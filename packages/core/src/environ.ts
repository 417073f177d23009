import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { WsgiErrors } from './errors-stream.js';
import type { WsgiInput } from './input.js';
import { fileWrapper } from './file-wrapper.js';
import type { Environ, PostHook } from './types.js';

/** What a front end knows about a request beyond the IncomingMessage itself. */
export interface RequestContext {
  /** The mount prefix, undecoded (Express's `req.baseUrl`, Fastify's prefix). Default `''`. */
  scriptName?: string;
  /** The undecoded request target after the prefix. Default `req.url`. */
  url?: string;
  /** Overrides for what the socket says, for example behind a trusted proxy. */
  urlScheme?: 'http' | 'https';
  remoteAddr?: string;
  serverName?: string;
}

const WSGI_VERSION = Object.freeze([1, 0] as const);

// Keys an `environ` extra may not override: the CGI keys (PEP 3333: the request decides
// them) and the per-request objects, which a shared extra would leak across requests
// (one posthooks list for every request runs each hook again on every later request).
const RESERVED_KEYS = new Set([
  'REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'RAW_PATH_INFO', 'QUERY_STRING', 'CONTENT_TYPE',
  'CONTENT_LENGTH', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'REMOTE_ADDR', 'REMOTE_PORT',
  'GATEWAY_INTERFACE', 'HTTPS', 'wsgi.input', 'eventlet.input', 'eventlet.posthooks', 'evy.posthooks',
]);

// Header name -> environ key (null: dropped). Names repeat across requests, so the
// transform runs once per distinct name; the cache is cleared if a client sprays names.
const headerKeys = new Map<string, string | null>();
const HEADER_KEY_CACHE_LIMIT = 2048;

function headerKey(name: string): string | null {
  let key = headerKeys.get(name);
  if (key !== undefined) return key;
  if (name.includes('_')) {
    key = null; // header-spoofing guard: `X_Forwarded` must not pose as `X-Forwarded`
  } else {
    const upper = name.toUpperCase().replaceAll('-', '_');
    key = upper === 'CONTENT_TYPE' || upper === 'CONTENT_LENGTH' ? upper : `HTTP_${upper}`;
  }
  if (headerKeys.size >= HEADER_KEY_CACHE_LIMIT) headerKeys.clear();
  headerKeys.set(name, key);
  return key;
}

const HEX = /^[0-9A-Fa-f]{2}$/;

/**
 * Percent-decode to a latin-1 "bytes as string" (PEP 3333): each `%XX` becomes the
 * code point U+00XX; `+` and malformed escapes are kept as they are.
 */
export function unquoteLatin1(raw: string): string {
  let i = raw.indexOf('%');
  if (i === -1) return raw;
  let out = raw.slice(0, i);
  while (i !== -1) {
    const hex = raw.slice(i + 1, i + 3);
    let next: number;
    if (HEX.test(hex)) {
      out += String.fromCharCode(parseInt(hex, 16));
      next = i + 3;
    } else {
      out += '%';
      next = i + 1;
    }
    i = raw.indexOf('%', next);
    out += raw.slice(next, i === -1 ? raw.length : i);
  }
  return out;
}

/** Split an origin-form or absolute-form target into its undecoded path and query. */
export function splitTarget(url: string): [path: string, query: string] {
  let start = 0;
  // A mount's remainder may be just a query ('?next=http://…'): relative, not absolute-form.
  if (url.charCodeAt(0) !== 47 /* / */ && url.charCodeAt(0) !== 63 /* ? */ && url !== '*') {
    // absolute-form (RFC 9112 §3.2.2): drop scheme and authority
    const scheme = url.indexOf('://');
    if (scheme !== -1) {
      const slash = url.indexOf('/', scheme + 3);
      const mark = url.indexOf('?', scheme + 3);
      start = slash === -1 || (mark !== -1 && mark < slash) ? -1 : slash;
      if (start === -1) return ['/', mark === -1 ? '' : url.slice(mark + 1)];
    }
  }
  const q = url.indexOf('?', start);
  return q === -1 ? [url.slice(start), ''] : [url.slice(start, q), url.slice(q + 1)];
}

/** Everything buildEnviron needs that is fixed for a handler. */
export interface EnvironDefaults {
  extras: Record<string, unknown> | undefined;
  /** Stateless, so one instance serves every request. */
  errors: WsgiErrors;
}

/** A connection's two ends as CGI strings. */
interface ConnectionEnds {
  serverName: string;
  serverPort: string;
  remoteAddr: string;
  remotePort: string;
}

const ENDS = Symbol('wsgi-bridge.connectionEnds');

/**
 * The socket's addresses, read once per connection: a kept connection serves many
 * requests, and each address getter asks the socket again. A unix socket has no
 * address: eventlet reports 'unix' and an empty port. A fake socket (light-my-request's,
 * under fastify.inject) has a remote address but no ports.
 */
function connectionEnds(socket: Socket & { [ENDS]?: ConnectionEnds }): ConnectionEnds {
  let ends = socket[ENDS];
  if (ends === undefined) {
    const { localPort, remotePort } = socket;
    ends = {
      serverName: socket.localAddress ?? 'unix',
      serverPort: localPort === undefined ? '' : String(localPort),
      remoteAddr: socket.remoteAddress ?? 'unix',
      remotePort: remotePort === undefined ? '' : String(remotePort),
    };
    socket[ENDS] = ends;
  }
  return ends;
}

/** `HTTP/1.1` or `HTTP/1.0` without building the string each time; any other version as Node read it. */
function protocolOf(req: IncomingMessage): string {
  if (req.httpVersionMajor === 1) {
    if (req.httpVersionMinor === 1) return 'HTTP/1.1';
    if (req.httpVersionMinor === 0) return 'HTTP/1.0';
  }
  return `HTTP/${req.httpVersion}`;
}

/** Build the PEP 3333 environ for one request on Node: what the IncomingMessage and its socket say. */
export function buildEnviron(
  req: IncomingMessage,
  input: WsgiInput,
  ctx: RequestContext | undefined,
  defaults: EnvironDefaults,
): Environ {
  const socket = req.socket;
  const [rawPath, query] = splitTarget(ctx?.url ?? req.url ?? '/');
  const encrypted = (socket as { encrypted?: boolean }).encrypted === true;
  const ends = connectionEnds(socket);
  return requestEnviron(
    req.method ?? 'GET', ctx?.scriptName, rawPath, query,
    ctx?.serverName ?? ends.serverName, ends.serverPort, protocolOf(req),
    ctx?.remoteAddr ?? ends.remoteAddr, ends.remotePort,
    ctx?.urlScheme ?? (encrypted ? 'https' : 'http'),
    req.rawHeaders, input, defaults,
  );
}

/**
 * Build the PEP 3333 environ for one request, whatever carried it: the CGI keys, the
 * `wsgi.*` and eventlet keys, the handler's `environ` extras (never over a reserved key),
 * then the headers as HTTP_* keys (names with `_` dropped, repeats joined with ',').
 * Every front end builds its environ here; positional, so a request costs no argument object.
 *
 * @param method REQUEST_METHOD.
 * @param scriptName The mount prefix, undecoded; SCRIPT_NAME is it percent-decoded to latin-1.
 * @param rawPath The undecoded path after the prefix: RAW_PATH_INFO, and PATH_INFO decoded.
 * @param query QUERY_STRING, undecoded, without its `?`.
 * @param serverName SERVER_NAME.
 * @param serverPort SERVER_PORT.
 * @param protocol SERVER_PROTOCOL, for example `HTTP/1.1`.
 * @param remoteAddr REMOTE_ADDR.
 * @param remotePort REMOTE_PORT (`''` when there is none).
 * @param scheme wsgi.url_scheme; `https` also sets HTTPS=on.
 * @param rawHeaders The headers as a flat `[name, value, …]` list, in wire order.
 * @param input wsgi.input (and eventlet.input).
 * @param defaults What every request of the handler shares.
 */
export function requestEnviron(
  method: string,
  scriptName: string | undefined,
  rawPath: string,
  query: string,
  serverName: string,
  serverPort: string,
  protocol: string,
  remoteAddr: string,
  remotePort: string,
  scheme: 'http' | 'https',
  rawHeaders: readonly string[],
  input: WsgiInput,
  defaults: EnvironDefaults,
): Environ {
  const posthooks: PostHook[] = [];
  const environ: Environ = {
    REQUEST_METHOD: method,
    SCRIPT_NAME: scriptName ? unquoteLatin1(scriptName) : '',
    PATH_INFO: unquoteLatin1(rawPath),
    RAW_PATH_INFO: rawPath,
    QUERY_STRING: query,
    SERVER_NAME: serverName,
    SERVER_PORT: serverPort,
    SERVER_PROTOCOL: protocol,
    REMOTE_ADDR: remoteAddr,
    REMOTE_PORT: remotePort,
    GATEWAY_INTERFACE: 'CGI/1.1',
    'wsgi.version': WSGI_VERSION,
    'wsgi.url_scheme': scheme,
    'wsgi.input': input,
    'wsgi.errors': defaults.errors,
    'wsgi.multithread': true,
    'wsgi.multiprocess': false,
    'wsgi.run_once': false,
    'wsgi.file_wrapper': fileWrapper,
    'eventlet.input': input,
    // One list under both names: evy, eventlet's fork, keeps its hooks under its own.
    'eventlet.posthooks': posthooks,
    'evy.posthooks': posthooks,
  };
  if (scheme === 'https') environ.HTTPS = 'on';
  const extras = defaults.extras;
  if (extras !== undefined) {
    for (const key in extras) if (!RESERVED_KEYS.has(key)) environ[key] = extras[key];
  }
  addHeaders(environ, rawHeaders, extras);
  return environ;
}

/** HTTP_* keys from the raw headers, in wire order; repeats joined with ','. */
function addHeaders(environ: Environ, raw: readonly string[], extras: Record<string, unknown> | undefined): void {
  // A key preset by an `environ` extra is replaced by the request's header, not appended to.
  const seen = extras === undefined ? undefined : new Set<string>();
  for (let i = 0; i < raw.length; i += 2) {
    const key = headerKey(raw[i]!);
    if (key === null) continue;
    const value = raw[i + 1]!;
    const previous = environ[key];
    if (previous === undefined || (seen !== undefined && !seen.has(key))) {
      environ[key] = value;
      seen?.add(key);
    } else {
      environ[key] = `${previous as string},${value}`;
    }
  }
}
