import type { IncomingMessage, ServerResponse } from 'node:http';
import { BufferSource, MessageSource } from './body-source.js';
import { buildEnviron, type EnvironDefaults, type RequestContext } from './environ.js';
import { describeError, WsgiError } from './errors.js';
import { stderrLog, WsgiErrors } from './errors-stream.js';
import { expectsContinue, HundredContinue } from './hundred-continue.js';
import { WsgiInput } from './input.js';
import { runPosthooks } from './posthooks.js';
import { NodeSink, type ConnectionPolicy } from './node-sink.js';
import { WsgiResponse } from './response.js';
import type { ResponseSink } from './sink.js';
import type { Body, Environ, ErrorLog, WsgiApp, WsgiOptions } from './types.js';

/** eventlet's MINIMUM_CHUNK_SIZE. */
export const DEFAULT_MINIMUM_CHUNK_SIZE = 4096;

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

/** What a handled request leaves for the access log. */
export interface RequestOutcome {
  environ: Environ;
  statusCode: number;
  bytesWritten: number;
  aborted: boolean;
}

/** Runs one request through the app; never rejects. */
export type WsgiHandler = (req: IncomingMessage, res: ServerResponse, ctx?: MountContext) => Promise<RequestOutcome>;

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
  if (typeof app !== 'function') {
    throw new TypeError(`a WSGI app must be a function (environ, start_response), got ${typeof app}`);
  }
  const log: ErrorLog = options.errors ?? stderrLog;
  const defaults: EnvironDefaults = { extras: options.environ, errors: new WsgiErrors(log) };
  const debug = options.debug ?? false;
  const capitalize = options.capitalizeResponseHeaders ?? true;
  const minChunk = options.minimumChunkSize ?? DEFAULT_MINIMUM_CHUNK_SIZE;
  const keepalive = options.keepalive ?? true;
  const timeout = typeof keepalive === 'number' ? Math.floor(keepalive) : 0;
  const policy: ConnectionPolicy = {
    keepalive: keepalive !== false && keepalive !== 0,
    keepAliveHeader: timeout >= 1 ? `timeout=${timeout}` : null,
    chunked: options.chunked ?? true,
    closing: options.closing ?? never,
    eventletHeaders: options.connectionHeaders !== 'node',
  };

  return async function handle(req, res, ctx) {
    const hundred = expectsContinue(res) ? new HundredContinue(req, res) : null;
    const served = ctx?.body === undefined ? undefined : Buffer.from(ctx.body);
    const input = new WsgiInput(served === undefined ? new MessageSource(req) : new BufferSource(served), hundred);
    const environ = buildEnviron(req, input, ctx, defaults);
    // A parser may have inflated or re-encoded the body: describe what wsgi.input serves.
    if (served !== undefined) environ.CONTENT_LENGTH = String(served.length);
    if (environ.HTTP_UPGRADE !== undefined && parserStopped(environ)) res.shouldKeepAlive = false;
    const sink = ctx?.sink ?? new NodeSink(req, res, policy, hundred);
    const response = new WsgiResponse(sink, req, capitalize, log, hundred);
    let body: Body | undefined;
    try {
      const result = app(environ, response.startResponse);
      body = result instanceof Promise ? await result : result;
      const sending = response.send(body, chunkSizeFor(environ, minChunk));
      if (sending !== undefined) await sending;
    } catch (err) {
      response.fail(err, debug, ctx?.onError);
    }
    if (typeof body?.close === 'function') await closeBody(body, log);
    if (input.started) discardUnread(req);
    if (environ['eventlet.posthooks'] !== undefined && !isEmptyList(environ['eventlet.posthooks'])) {
      await sink.done();
      await runPosthooks(environ, log);
    }
    return { environ, statusCode: response.statusCode, bytesWritten: sink.bytesWritten, aborted: response.aborted };
  };
}

const isEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length === 0;

/** `environ['eventlet.minimum_write_chunk_size']`, read as Python's int(), overrides per request. */
function chunkSizeFor(environ: Environ, fallback: number): number {
  const override = environ['eventlet.minimum_write_chunk_size'];
  if (override === undefined) return fallback;
  // Python's int(): an integer, or digits with optional surrounding blanks; nothing else.
  const size = typeof override === 'number' ? override : /^\s*\+?\d+\s*$/.test(String(override)) ? Number(override) : NaN;
  if (!Number.isInteger(size) || size < 0) {
    throw new WsgiError('WSGI_ERR_BODY', `eventlet.minimum_write_chunk_size must be a non-negative integer, got ${String(override)}`);
  }
  return size;
}

/** close() on the returned body, once, whatever happened; an error in it is logged. */
async function closeBody(body: Body, log: ErrorLog): Promise<void> {
  try {
    const result = body.close!();
    if (result instanceof Promise) await result;
  } catch (err) {
    log(`Error in the body's close():\n${describeError(err)}\n`);
  }
}

/**
 * Pull the rest of a partly read body off the wire so a kept connection can read the
 * next request (Node itself discards a body nobody started reading).
 */
function discardUnread(req: IncomingMessage): void {
  if (!req.readableEnded && !req.destroyed) req.resume();
}
