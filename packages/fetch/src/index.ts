/**
 * @wsgi-bridge/fetch: run a WSGI app (PEP 3333 with eventlet's extensions) as a Fetch API
 * handler, `(request: Request) => Promise<Response>`: in Hono, Bun, Deno, Workers, or
 * in-process as a test client.
 */
export { toFetchHandler } from './handler.js';
export type { FetchHandler, FetchHandlerOptions } from './handler.js';
export type { Body, Chunk, Environ, HeaderList, PostHook, StartResponse, Write, WsgiApp } from '@wsgi-bridge/core';
export { WsgiError } from '@wsgi-bridge/core';
