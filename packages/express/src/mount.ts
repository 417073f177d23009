import type { Server } from 'node:http';
import { createWsgiHandler, type MountContext, type WsgiApp } from '@wsgi-bridge/core';
import { BAD_REQUEST, hasTwoHosts, prepareHostServer, refuse, toError } from '@wsgi-bridge/core/adapter';
import { bodyForInput } from './body.js';
import { prepareServersOnFirstRequest, WSGI_MOUNT } from './host-server.js';
import { applyProxyView, trustsProxy } from './proxy.js';
import { targetBelowMount } from './target.js';
import type { WsgiMiddleware, WsgiMountOptions } from './types.js';

/**
 * Express middleware that runs a WSGI app: `app.use('/legacy', wsgiMount(helloWorld))`.
 *
 * SCRIPT_NAME is the path Express matched on the way here (`req.baseUrl`), PATH_INFO the
 * rest. wsgi.url_scheme, REMOTE_ADDR and SERVER_NAME follow Express's `trust proxy`
 * setting. An app error raised before any byte was sent goes to `next(err)`. The request
 * body streams into wsgi.input, unless a parser before the mount left a Buffer or string.
 * A server whose Express app holds a mount is prepared ({@link prepareHostServer}) before
 * its first request is answered: its "100 Continue" is deferred, so wsgi.input sends it
 * lazily with the app's headers, and bad bytes pipelined behind a request no longer cost
 * that request its response. A request with two Host headers gets a 400 and a close.
 *
 * @param app - the WSGI application, `app(environ, start_response)`
 * @param options - the core's shared options (environ extras, chunk size, header case, error log)
 */
export function wsgiMount(app: WsgiApp, options: WsgiMountOptions = {}): WsgiMiddleware {
  const handle = createWsgiHandler(app, {
    environ: options.environ,
    minimumChunkSize: options.minimumChunkSize,
    capitalizeResponseHeaders: options.capitalizeResponseHeaders,
    errors: options.errors,
    connectionHeaders: 'node', // the same Connection and Keep-Alive as Express's own routes
  });
  prepareServersOnFirstRequest();
  let prepared: Server | undefined;
  const middleware: WsgiMiddleware = function wsgiMiddleware(req, res, next) {
    const server = (req.socket as { server?: Server }).server;
    // A mount inside a sub-app is not seen before the first request: prepared here, from its first.
    if (server !== prepared && server !== undefined) {
      prepareHostServer(server);
      prepared = server;
    }
    if (hasTwoHosts(req.rawHeaders)) return refuse(req.socket, BAD_REQUEST);
    let body: Buffer | string | undefined;
    try {
      body = bodyForInput(req);
    } catch (err) {
      next(err);
      return;
    }
    const base = req.baseUrl;
    // One shape for every request, so the core's reads of it stay monomorphic.
    const ctx: MountContext = {
      scriptName: base,
      url: base === '' ? undefined : targetBelowMount(req),
      urlScheme: undefined,
      remoteAddr: undefined,
      serverName: undefined,
      body,
      onError: (err) => next(toError(err)),
    };
    if (trustsProxy(req)) applyProxyView(ctx, req);
    void handle(req, res, ctx);
  };
  return Object.assign(middleware, { [WSGI_MOUNT]: true as const });
}
