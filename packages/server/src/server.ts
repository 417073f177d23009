import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type net from 'node:net';
import { createWsgiHandler, type RequestOutcome, type WsgiApp, type WsgiOptions } from '@wsgi-bridge/core';
import { compileLogFormat, DEFAULT_LOG_FORMAT, logDateTime, type LogValues } from './access-log.js';
import { resolveLog, type Logger, type LogStream, type ServerLog } from './log.js';

/** eventlet.wsgi.server's keyword arguments, in camelCase. */
export interface ServerOptions extends Omit<WsgiOptions, 'errors'> {
  /** A writable stream (default standard error), or a logger with `info` and `debug`. */
  log?: Logger | LogStream;
  /** false: log nothing at all. Default true. */
  logOutput?: boolean;
  /** The access-log line as a Python %-format (eventlet's keys). */
  logFormat?: string;
  /** Put X-Forwarded-For before the peer address in the access log's client_ip. Default true. */
  logXForwardedFor?: boolean;
  /** true (default): keep connections, no idle timeout; false or 0: close after each response; n: idle seconds. */
  keepalive?: boolean | number;
  /** A request line this long or longer (with its CRLF) gets 414. Default 8192. */
  urlLengthLimit?: number;
  /** 'HTTP/1.0' turns off keep-alive and chunked responses. Default 'HTTP/1.1'. */
  maxHttpVersion?: 'HTTP/1.0' | 'HTTP/1.1';
  /** Seconds a connection may sit with no activity before it is closed. Default: no limit. */
  socketTimeout?: number;
  /** Traceback in 500 bodies, and debug log lines. Default true, as eventlet. */
  debug?: boolean;
}

/** eventlet's MAX_HEADER_LINE and MAX_TOTAL_HEADER_SIZE. */
const MAX_HEADER_LINE = 8192;
const MAX_TOTAL_HEADER_SIZE = 65536;
const HEADERS_TIMEOUT_MS = 60_000;

/**
 * eventlet's `wsgi.server(sock, app, ...)`: serve `app` on a listening socket until the
 * socket is closed (`sock.close()`). Closing stops accepting, closes idle keep-alive
 * connections and lets requests in flight finish; then the promise resolves.
 */
export function server(sock: net.Server, app: WsgiApp, options: ServerOptions = {}): Promise<void> {
  const debug = options.debug ?? true;
  const log = resolveLog(options.log, options.logOutput ?? true, debug);
  const http10 = options.maxHttpVersion === 'HTTP/1.0';
  const urlLengthLimit = options.urlLengthLimit ?? 8192;
  const keepalive = http10 ? false : (options.keepalive ?? true);
  let closing = false;

  const handle = createWsgiHandler(app, {
    environ: options.environ,
    debug,
    minimumChunkSize: options.minimumChunkSize,
    capitalizeResponseHeaders: options.capitalizeResponseHeaders,
    errors: log.raw,
    keepalive,
    chunked: !http10,
    closing: () => closing,
  });
  const accessLine = options.logOutput === false ? null : accessLogger(options, log);

  const http = createServer({
    // eventlet has no whole-request deadline (a large upload may take its time)
    requestTimeout: 0,
    headersTimeout: HEADERS_TIMEOUT_MS,
    keepAliveTimeout: typeof keepalive === 'number' ? keepalive * 1000 : 0,
    maxHeaderSize: urlLengthLimit + MAX_TOTAL_HEADER_SIZE,
  });
  if (options.socketTimeout !== undefined) http.timeout = options.socketTimeout * 1000;

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (rejectOverLimit(req, res, urlLengthLimit)) return;
    const started = performance.now();
    const outcome = await handle(req, res);
    if (accessLine !== null) accessLine(req, outcome, (performance.now() - started) / 1000);
    if (closing) setImmediate(() => http.closeIdleConnections());
  }
  http.on('request', onRequest);
  // Taking checkContinue makes the 100 ours: wsgi.input sends it lazily, with headers.
  http.on('checkContinue', onRequest);
  http.on('clientError', (err: NodeJS.ErrnoException, socket: net.Socket) => {
    log.debug(`client error from ${socket.remoteAddress ?? 'unix'}: ${err.code ?? err.message}`);
    defaultClientError(err, socket);
  });

  sock.on('connection', (socket: net.Socket) => http.emit('connection', socket));
  // Node's http server starts tracking connections (idle closing, header timeouts)
  // when it hears 'listening'; this one never listens itself, the socket it is given does.
  http.emit('listening');

  const close = sock.close.bind(sock);
  sock.close = (callback?: (err?: Error) => void) => {
    closing = true;
    http.closeIdleConnections();
    return close(callback);
  };

  return new Promise((resolve) => {
    const started = (): void => log.info(`(${process.pid}) wsgi starting up on ${describeAddress(sock)}`);
    if (sock.listening) started();
    else sock.once('listening', started);
    sock.once('close', () => {
      http.close();
      log.info(`(${process.pid}) wsgi exited, is_accepting=True`);
      resolve();
    });
  });
}

function describeAddress(sock: net.Server): string {
  const address = sock.address();
  if (address === null) return 'http://(unknown)';
  if (typeof address === 'string') return `unix:${address}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `http://${host}:${address.port}`;
}

/** eventlet's limits on the request line and on single header lines (exact responses). */
function rejectOverLimit(req: IncomingMessage, res: ServerResponse, urlLengthLimit: number): boolean {
  // method SP target SP HTTP/x.y CRLF
  if (req.method!.length + req.url!.length + 12 >= urlLengthLimit) {
    sendLimit(res, 414, 'Request URI Too Long');
    return true;
  }
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length + raw[i + 1]!.length + 4 >= MAX_HEADER_LINE) {
      sendLimit(res, 400, 'Header Line Too Long');
      return true;
    }
  }
  return false;
}

function sendLimit(res: ServerResponse, code: number, reason: string): void {
  res.writeHead(code, reason, ['Connection', 'close', 'Content-Length', '0']);
  res.end();
}

function defaultClientError(err: NodeJS.ErrnoException, socket: net.Socket): void {
  if (socket.writable && !(socket as { _httpMessage?: { headersSent?: boolean } })._httpMessage?.headersSent) {
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    socket.end(tooLarge
      ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n'
      : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  }
  socket.destroySoon();
}

type AccessLine = (req: IncomingMessage, outcome: RequestOutcome, seconds: number) => void;

function accessLogger(options: ServerOptions, log: ServerLog): AccessLine {
  const format = compileLogFormat(options.logFormat ?? DEFAULT_LOG_FORMAT);
  const forwarded = options.logXForwardedFor ?? true;
  return (req, outcome, seconds) => {
    const socket = req.socket;
    const ip = socket.remoteAddress ?? 'unix';
    const xff = forwarded ? req.headers['x-forwarded-for'] : undefined;
    const values: LogValues = {
      client_ip: xff ? `${String(xff).replaceAll(' ', '')},${ip}` : ip,
      client_port: socket.remotePort ?? '',
      date_time: logDateTime(),
      request_line: `${req.method} ${req.url} HTTP/${req.httpVersion}`,
      status_code: outcome.statusCode,
      body_length: outcome.bytesWritten,
      wall_seconds: seconds,
    };
    log.info(format(values));
  };
}
