import type { WsgiOptions } from '@wsgi-bridge/core';
import { trustedProxies, type TrustedProxies } from './forwarded.js';
import type { Logger, LogStream } from './log.js';

/**
 * eventlet.wsgi.server's keyword arguments, in camelCase. eventlet's `protocol`,
 * `server_event` and `custom_pool` have no meaning on Node and are refused (see README).
 */
export interface ServerOptions extends Omit<WsgiOptions, 'errors'> {
  /** A writable stream (default standard error), or a logger with `info` and `debug`. */
  log?: Logger | LogStream;
  /** Connections served at once (default 1024). Past it, accepted connections wait for a free slot. */
  maxSize?: number;
  /** 'HTTP/1.0' turns off keep-alive and chunked responses. Default 'HTTP/1.1'. */
  maxHttpVersion?: 'HTTP/1.0' | 'HTTP/1.1';
  /** Put X-Forwarded-For before the peer address in the access log's client_ip. Default true. */
  logXForwardedFor?: boolean;
  /**
   * true (default): keep connections, no idle timeout. false or 0: close after each response.
   * A number n: keep connections, close them after n idle seconds (before each request, the
   * first one included) and tell keep-alive clients `Keep-Alive: timeout=int(n)` when int(n) >= 1.
   */
  keepalive?: boolean | number;
  /** false: log nothing at all. Default true. */
  logOutput?: boolean;
  /** The access-log line as a Python %-format with eventlet's keys. Default {@link DEFAULT_LOG_FORMAT}. */
  logFormat?: string;
  /** A request line this long or longer (with its CRLF) gets 414. Default 8192. */
  urlLengthLimit?: number;
  /** Traceback in 500 bodies, and the debug log lines. Default true, as eventlet. */
  debug?: boolean;
  /** Seconds a client socket operation may wait (reading a request, a body, writing). Default: no limit. */
  socketTimeout?: number | null;
  /**
   * Seconds a client may take to send a request line and headers, however it trickles
   * them (a slowloris guard: socketTimeout restarts with every byte). Not an eventlet
   * option; default 60, Node's.
   */
  headersTimeout?: number;
  /**
   * gunicorn's forwarded_allow_ips: proxies (IP addresses, CIDR networks, `'*'` for every
   * peer; a comma-separated string or a list) whose `X-Forwarded-Proto` sets
   * `wsgi.url_scheme` and whose `X-Forwarded-For` sets REMOTE_ADDR. Not an eventlet
   * option; default none: both headers are ignored, as eventlet does.
   */
  forwardedAllowIps?: string | readonly string[];
}

/** The options with eventlet's defaults filled in and checked once, at start. */
export interface Settings {
  maxSize: number;
  keepalive: boolean | number;
  /** Idle seconds before a request line, or 0 for none. */
  idleSeconds: number;
  chunked: boolean;
  urlLengthLimit: number;
  debug: boolean;
  logOutput: boolean;
  logXForwardedFor: boolean;
  /** socket_timeout in milliseconds, 0 for none (Node's convention). */
  socketTimeoutMs: number;
  headersTimeoutMs: number;
  /** Who may forward the scheme and client address; null when nobody may. */
  proxies: TrustedProxies | null;
}

/** eventlet's DEFAULT_MAX_SIMULTANEOUS_REQUESTS and MAX_REQUEST_LINE. */
const DEFAULT_MAX_SIZE = 1024;
const DEFAULT_URL_LENGTH_LIMIT = 8192;
const DEFAULT_HEADERS_TIMEOUT = 60;

// Every option name; the compiler checks the list against ServerOptions, both ways.
const KNOWN = new Set(Object.keys({
  log: true, environ: true, maxSize: true, maxHttpVersion: true, minimumChunkSize: true, logXForwardedFor: true,
  keepalive: true, logOutput: true, logFormat: true, urlLengthLimit: true, debug: true, socketTimeout: true,
  capitalizeResponseHeaders: true, headersTimeout: true, forwardedAllowIps: true,
} satisfies Record<keyof ServerOptions, true>));

// eventlet keywords that configure green threads or deprecated hooks: nothing on Node matches them.
const MEANINGLESS: Record<string, string> = {
  customPool: 'custom_pool spawns green threads; Node serves every connection on its event loop (use maxSize to bound them)',
  protocol: 'protocol subclasses eventlet\'s HttpProtocol; Node\'s HTTP parser has no such class (wrap the app instead)',
  serverEvent: 'server_event is deprecated in eventlet; server() resolves its promise when the socket is closed',
};

/** Check the options and fill in eventlet's defaults. Throws a TypeError naming what is wrong. */
export function resolveOptions(options: ServerOptions): Settings {
  rejectUnknown(options);
  const http10 = options.maxHttpVersion === 'HTTP/1.0';
  if (options.maxHttpVersion !== undefined && !http10 && options.maxHttpVersion !== 'HTTP/1.1') {
    throw new TypeError(`maxHttpVersion must be 'HTTP/1.0' or 'HTTP/1.1', got ${String(options.maxHttpVersion)}`);
  }
  const keepalive = http10 ? false : (options.keepalive ?? true);
  if (typeof keepalive !== 'boolean') positive('keepalive', keepalive, true);
  const socketTimeout = options.socketTimeout ?? 0;
  const maxSize = positive('maxSize', options.maxSize ?? DEFAULT_MAX_SIZE);
  if (!Number.isInteger(maxSize)) throw new TypeError(`maxSize must be a whole number, got ${maxSize}`);
  return {
    maxSize,
    keepalive,
    idleSeconds: typeof keepalive === 'number' ? keepalive : 0,
    chunked: !http10,
    urlLengthLimit: positive('urlLengthLimit', options.urlLengthLimit ?? DEFAULT_URL_LENGTH_LIMIT),
    debug: options.debug ?? true,
    logOutput: options.logOutput ?? true,
    logXForwardedFor: options.logXForwardedFor ?? true,
    socketTimeoutMs: positive('socketTimeout', socketTimeout, true) * 1000,
    headersTimeoutMs: positive('headersTimeout', options.headersTimeout ?? DEFAULT_HEADERS_TIMEOUT) * 1000,
    proxies: options.forwardedAllowIps === undefined ? null : trustedProxies(options.forwardedAllowIps),
  };
}

function positive(name: string, value: unknown, zeroAllowed = false): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (value === 0 && !zeroAllowed)) {
    throw new TypeError(`${name} must be a ${zeroAllowed ? 'non-negative' : 'positive'} number, got ${String(value)}`);
  }
  return value;
}

// A port from Python passes snake_case names; a silent no-op would hide the mistake.
function rejectUnknown(options: object): void {
  for (const name of Object.keys(options)) {
    if (KNOWN.has(name)) continue;
    const camel = name.replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
    const reason = MEANINGLESS[camel];
    if (reason !== undefined) throw new TypeError(`server(): ${reason}`);
    const hint = KNOWN.has(camel) ? ` (options are camelCase: ${camel})` : '';
    throw new TypeError(`server(): unknown option ${name}${hint}`);
  }
}
