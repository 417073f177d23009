/**
 * @wsgi-bridge/server: eventlet.wsgi.server for Node.js.
 *
 * ```ts
 * import { server, listen } from '@wsgi-bridge/server';
 * server(listen(['', 8090]), helloWorld);
 * ```
 */
export { listen, type ListenAddress, type ListeningSocket } from './listen.js';
export { server } from './server.js';
export type { ServerOptions } from './options.js';
export { wrapSsl, SslSocket, type SslOptions } from './ssl.js';
export { DEFAULT_LOG_FORMAT, logDateTime } from './access-log.js';
export { compileLogFormat } from './percent-format.js';
export type { Logger, LogStream } from './log.js';
export { formatDateTime } from '@wsgi-bridge/core';
export type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';
