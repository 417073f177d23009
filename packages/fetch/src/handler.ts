import type { WsgiApp, WsgiOptions } from '@wsgi-bridge/core';
import { ExchangeRunner, WsgiInput } from '@wsgi-bridge/core/adapter';
import { fetchEnviron, mountPrefix, serverProtocol, type FetchEnvironSettings } from './environ.js';
import { discardBody, FetchRequest } from './request.js';
import { FetchSink } from './sink.js';

/**
 * A Fetch API handler: what Hono routes, Bun.serve and Deno.serve take, and what a test
 * calls. `context` is what a runtime passes beside the request (Bun's server, Deno's
 * connection info, @hono/node-server's `{ incoming, outgoing }`): only `remoteAddr` sees it.
 */
export type FetchHandler = (request: Request, context?: unknown) => Promise<Response>;

/** Options of {@link toFetchHandler}: the core's shared options, and what a `Request` cannot tell. */
export interface FetchHandlerOptions extends WsgiOptions {
  /**
   * Where the app is mounted, undecoded (`'/legacy'`): it becomes SCRIPT_NAME, and is
   * stripped from the path when the path starts with it. Default: the root.
   */
  scriptName?: string;
  /**
   * REMOTE_ADDR for a request, since a Request has no peer address; `context` is the
   * handler's second argument. On @hono/node-server `(request, env) => env.incoming.socket.remoteAddress`
   * (Hono: `legacy(c.req.raw, c.env)`), under Bun `(request, server) => server.requestIP(request)?.address`,
   * behind a trusted proxy its header. Absent from the environ when this option is absent
   * or gives undefined.
   */
  remoteAddr?: (request: Request, context: any) => string | undefined;
  /** SERVER_PROTOCOL. Default `HTTP/1.1` (a Request does not tell). */
  serverProtocol?: string;
}

/**
 * Run a WSGI app as a Fetch API handler, `(request: Request) => Promise<Response>`:
 * mount it in Hono (`hono.all('/legacy/*', (c) => legacy(c.req.raw))`), hand it to any
 * fetch runtime, or call it in-process as a test client (`await legacy(new Request(url))`).
 * The response body streams from the app's iterable, paced by whoever reads it.
 * The promise rejects only for an argument that is not a Request.
 */
export function toFetchHandler(app: WsgiApp, options: FetchHandlerOptions = {}): FetchHandler {
  const runner = new ExchangeRunner<FetchRequest>(app, options, discardBody);
  const remoteAddr = options.remoteAddr;
  if (remoteAddr !== undefined && typeof remoteAddr !== 'function') {
    throw new TypeError(`remoteAddr must be a function of the Request, got ${typeof remoteAddr}`);
  }
  const settings: FetchEnvironSettings = {
    defaults: runner.environDefaults,
    scriptName: mountPrefix(options.scriptName),
    protocol: serverProtocol(options.serverProtocol),
    remoteAddr,
    origin: null,
  };

  return function handleFetch(request, context) {
    if (!isRequest(request)) {
      return Promise.reject(new TypeError('a Fetch handler takes a Request (in Hono: c.req.raw)'));
    }
    const line = new FetchRequest(request);
    const input = new WsgiInput(line, null);
    let sink: FetchSink;
    try {
      const environ = fetchEnviron(request, context, input, settings);
      sink = new FetchSink(environ);
      void runner.run(line, environ, input, sink);
    } catch (err) {
      // Only a remoteAddr option that throws gets here: the app never ran.
      return Promise.reject(err);
    }
    return sink.response();
  };
}

/** A Request, or one that quacks like it (@hono/node-server's lightweight Request). */
function isRequest(value: unknown): value is Request {
  return typeof (value as Request | null)?.url === 'string' && typeof (value as Request).method === 'string';
}
