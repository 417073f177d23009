import type { IncomingMessage, ServerResponse } from 'node:http';
import { BufferSource, MessageSource } from './body-source.js';
import { buildEnviron, type RequestContext } from './environ.js';
import { ExchangeRunner } from './exchange-runner.js';
import type { RequestOutcome } from './exchange.js';
import { expectsContinue, HundredContinue } from './hundred-continue.js';
import { WsgiInput } from './input.js';
import { NodeSink, type ConnectionPolicy } from './node-sink.js';
import type { ResponseSink } from './sink.js';
import { keepTickShape } from './tick-shape.js';
import type { Environ, WsgiApp, WsgiOptions } from './types.js';

export { DEFAULT_MINIMUM_CHUNK_SIZE } from './exchange-runner.js';

/** Per-request input from a front end, beyond the IncomingMessage and ServerResponse. */
export interface MountContext extends RequestContext {
  /** A body a framework already read (express.raw, express.text): wsgi.input serves it. */
  body?: Buffer | string;
  /** Takes an app error raised before any byte was sent, instead of the built-in 500. */
  onError?: (err: unknown) => void;
  /** Sends the response some other way than straight onto the ServerResponse (a framework's reply). */
  sink?: ResponseSink;
}

/** Options of createWsgiHandler: the shared options plus the connection policy of a server. */
export interface HandlerOptions extends WsgiOptions {
  /** eventlet's keepalive: false closes every connection; a number of seconds adds `Keep-Alive: timeout=N`. */
  keepalive?: boolean | number;
  /** false: never chunked, close-delimited bodies instead (eventlet's max_http_version 'HTTP/1.0'). */
  chunked?: boolean;
  /** Tells whether the server is shutting down, so responses close their connections. */
  closing?: () => boolean;
  /**
   * Who writes Connection and Keep-Alive on a kept connection: 'eventlet' (default: only
   * `Connection: keep-alive` echoed to a client that sent it, as eventlet) or 'node'
   * (Node's own, as a framework's other routes get them).
   */
  connectionHeaders?: 'eventlet' | 'node';
}

export type { RequestOutcome } from './exchange.js';

/**
 * Runs one request through the app; never rejects. The outcome comes at once when
 * nothing had to wait (a sync app returning a list), else as a promise.
 */
export type WsgiHandler = (
  req: IncomingMessage,
  res: ServerResponse,
  ctx?: MountContext,
) => RequestOutcome | Promise<RequestOutcome>;

const never = (): boolean => false;
const UPGRADE_TOKEN = /(?:^|,)[ \t]*upgrade[ \t]*(?:,|$)/i;

/**
 * Whether Node's parser took the request as an upgrade (`Connection: upgrade` and an
 * `Upgrade` header, as curl's h2c attempt sends). With no 'upgrade' listener Node serves
 * it as a plain request but reads nothing more from the connection: kept alive, the
 * connection would hang, so the response closes it, whatever the sink.
 */
function parserStopped(environ: Environ): boolean {
  return UPGRADE_TOKEN.test((environ.HTTP_CONNECTION as string | undefined) ?? '');
}

/** Build the request handler that every front end hands its requests to. */
export function createWsgiHandler(app: WsgiApp, options: HandlerOptions = {}): WsgiHandler {
  const runner = new ExchangeRunner<IncomingMessage>(app, options, discardUnread);
  keepTickShape();
  const defaults = runner.environDefaults;
  const keepalive = options.keepalive ?? true;
  const timeout = typeof keepalive === 'number' ? Math.floor(keepalive) : 0;
  const policy: ConnectionPolicy = {
    keepalive: keepalive !== false && keepalive !== 0,
    keepAliveHeader: timeout >= 1 ? `timeout=${timeout}` : null,
    chunked: options.chunked ?? true,
    closing: options.closing ?? never,
    eventletHeaders: options.connectionHeaders !== 'node',
  };

  return function handle(req, res, ctx) {
    const hundred = expectsContinue(res) ? new HundredContinue(req, res) : null;
    const body = ctx?.body;
    const served = typeof body === 'string' ? Buffer.from(body) : body;
    const input = new WsgiInput(served === undefined ? new MessageSource(req) : new BufferSource(served), hundred);
    const environ = buildEnviron(req, input, ctx, defaults);
    // A parser may have inflated or re-encoded the body: describe what wsgi.input serves.
    if (served !== undefined) environ.CONTENT_LENGTH = String(served.length);
    if (environ.HTTP_UPGRADE !== undefined && parserStopped(environ)) res.shouldKeepAlive = false;
    const sink = ctx?.sink ?? new NodeSink(req, res, policy, hundred);
    return runner.run(req, environ, input, sink, ctx?.onError, hundred);
  };
}

/**
 * Pull the rest of a partly read body off the wire so a kept connection can read the
 * next request (Node itself discards a body nobody started reading).
 */
function discardUnread(req: IncomingMessage): void {
  if (req.readableEnded || req.destroyed) return;
  // A read that had to wait listens for 'readable', which keeps resume() from making the stream flow.
  req.removeAllListeners('readable');
  req.resume();
}
