import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { createWsgiHandler, type RequestOutcome, type WsgiApp } from '@wsgi-bridge/core';
import { answerClientError, refuse } from '@wsgi-bridge/core/adapter';
import { accessLine, DEFAULT_LOG_FORMAT, type AccessLine } from './access-log.js';
import { Connections } from './connections.js';
import { forwardedContext } from './forwarded.js';
import { clientErrorReply, overLimit, parserLimits } from './limits.js';
import type { ListeningSocket } from './listen.js';
import { peerRepr, resolveLog, socketRepr, type ServerLog } from './log.js';
import { resolveOptions, type ServerOptions } from './options.js';
import { SslSocket } from './ssl.js';
import { failBodyRead, stalled, Timeouts } from './timeouts.js';

/**
 * eventlet's `wsgi.server(sock, app, ...)`: serve `app` on a listening socket (from
 * {@link listen}, or {@link wrapSsl} for HTTPS) until the socket is closed with
 * `sock.close()`. Closing stops accepting, closes idle keep-alive connections (after a
 * 500 ms grace for a request already on its way) and lets requests in flight finish
 * (their responses say `Connection: close`); then the promise
 * resolves. It rejects if the socket fails to listen or accept.
 */
export function server(sock: ListeningSocket, app: WsgiApp, options: ServerOptions = {}): Promise<void> {
  const settings = resolveOptions(options);
  const log = resolveLog(options.log, settings.logOutput, settings.debug);
  const formatLine = settings.logOutput
    ? accessLine(options.logFormat ?? DEFAULT_LOG_FORMAT, settings.logXForwardedFor)
    : null;
  const handle = createWsgiHandler(app, {
    environ: options.environ,
    debug: settings.debug,
    minimumChunkSize: options.minimumChunkSize,
    capitalizeResponseHeaders: options.capitalizeResponseHeaders,
    errors: log.raw,
    keepalive: settings.keepalive,
    chunked: settings.chunked,
    // The connections, made below, hold the server's state; this runs only during requests.
    closing: () => connections.stopping,
  });

  // eventlet has no whole-request deadline (a large upload may take its time).
  const http = createServer({
    requestTimeout: 0,
    headersTimeout: settings.headersTimeoutMs,
    // Node checks the headers deadline on this timer (30 s by default): often enough to keep it.
    connectionsCheckingInterval: Math.min(30_000, Math.max(250, settings.headersTimeoutMs / 4)),
    ...parserLimits(settings.urlLengthLimit),
  });
  const timeouts = new Timeouts(http, settings.idleSeconds, settings.socketTimeoutMs);
  const connections = new Connections(settings.maxSize, (socket) => {
    log.debug(`(${process.pid}) accepted ${peerRepr(socket)}`);
    http.emit('connection', socket);
  });

  const { proxies } = settings;
  function onRequest(req: IncomingMessage, res: ServerResponse): void {
    const socket = req.socket;
    if (socket.writableEnded) return; // pipelined behind a refused request
    const refusal = overLimit(req, settings.urlLengthLimit);
    if (refusal !== null) return refuse(socket, refusal);
    timeouts.requestStarted(socket, res);
    const ctx = proxies === null ? undefined : forwardedContext(req, proxies);
    if (formatLine === null) {
      void handle(req, res, ctx); // never rejects; nothing to log after it
      return;
    }
    const started = performance.now();
    const done = handle(req, res, ctx);
    if (done instanceof Promise) void done.then((outcome) => logAccess(formatLine, req, outcome, started));
    else logAccess(formatLine, req, done, started);
  }
  function logAccess(format: AccessLine, req: IncomingMessage, outcome: RequestOutcome, started: number): void {
    // As eventlet's, wall_seconds leaves out the post hooks, though the line follows them.
    log.info(format(req, outcome, ((outcome.posthooksStartedAt ?? performance.now()) - started) / 1000));
  }
  http.on('request', onRequest);
  // Taking checkContinue makes the 100 ours: wsgi.input sends it lazily, with headers.
  http.on('checkContinue', onRequest);
  dropTroubledClients(http, sock, log);

  sock.on('connection', (socket: Socket) => connections.admit(socket));
  // Node's http server starts tracking connections (idle closing, header timeouts)
  // when it hears 'listening'; this one never listens itself, the socket it is given does.
  http.emit('listening');
  // Behind wrapSsl, the plain socket's close() is the one every path goes through.
  onClose(sock instanceof SslSocket ? sock.sock : sock, () => connections.stop());
  return lifetime(sock, http, log);
}

/**
 * Bad requests, timed-out sockets and failed handshakes: closed, and told of in debug lines.
 * A stalled request body is the exception: the app's read fails and the app answers first.
 */
function dropTroubledClients(http: Server, sock: ListeningSocket, log: ServerLog): void {
  const pid = process.pid;
  http.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    log.debug(`(${pid}) ${clientErrorText(err)} ${peerRepr(socket)}`);
    answerClientError(socket, clientErrorReply(err.code));
  });
  http.on('timeout', (socket: Socket) => {
    const stall = stalled(socket);
    if (stall === 'body') {
      if (failBodyRead(socket)) log.debug(`(${pid}) timed out ${peerRepr(socket)}`);
    } else if (stall !== null) {
      log.debug(`(${pid}) timed out ${peerRepr(socket)}`);
      socket.destroy();
    }
  });
  sock.on('tlsClientError', (err: Error, socket: Socket) => {
    log.debug(`(${pid}) TLS handshake failed ${peerRepr(socket)}: ${err.message}`);
  });
}

function clientErrorText(err: NodeJS.ErrnoException): string {
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE') return 'connection reset by peer';
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') return 'timed out';
  return `bad request (${err.code ?? err.message})`;
}

/**
 * Run `stop` at each `sock.close()` call (it must be idempotent). Node's net.Server says
 * nothing at that call ('close' waits for the last connection to end), and the call is
 * what starts the stop.
 */
function onClose(sock: ListeningSocket, stop: () => void): void {
  const close = sock.close.bind(sock);
  sock.close = (callback?: (err?: Error) => void) => {
    stop();
    return close(callback);
  };
}

/** eventlet's start-up and exit lines around the socket's life; resolves when it has closed. */
function lifetime(sock: ListeningSocket, http: Server, log: ServerLog): Promise<void> {
  const pid = process.pid;
  return new Promise((resolve, reject) => {
    const scheme = sock instanceof SslSocket ? 'https' : 'http';
    const started = (): void => log.info(`(${pid}) wsgi starting up on ${socketRepr(sock.address(), scheme)}`);
    if (sock.listening) started();
    else sock.once('listening', started);
    let failure: Error | undefined;
    sock.on('error', (err: Error) => {
      if (!sock.listening) {
        http.close();
        reject(err);
        return;
      }
      // eventlet: an accept error ends server(), after the connections in flight.
      log.info(`(${pid}) wsgi accept failed: ${err.message}`);
      failure = err;
      sock.close();
    });
    sock.once('close', () => {
      http.close();
      log.info(`(${pid}) wsgi exited, is_accepting=True`);
      if (failure === undefined) resolve();
      else reject(failure);
    });
  });
}
