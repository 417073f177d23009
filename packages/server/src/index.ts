/**
 * @wsgi-bridge/server: eventlet.wsgi.server for Node.js.
 *
 * ```ts
 * import { server, listen } from '@wsgi-bridge/server';
 * server(listen(['', 8090]), helloWorld);
 * ```
 */
export { listen, type ListenAddress } from './listen.js';
export { server, type ServerOptions } from './server.js';
export { compileLogFormat, DEFAULT_LOG_FORMAT, logDateTime } from './access-log.js';
export type { Logger, LogStream } from './log.js';
export { formatDateTime } from '@wsgi-bridge/core';
export type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';
