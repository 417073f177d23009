/**
 * @wsgi-bridge/express: run a WSGI app (PEP 3333 with eventlet's extensions) as Express
 * middleware, `app.use('/legacy', wsgiMount(helloWorld))`, on Express 4 or 5.
 */
export { wsgiMount } from './mount.js';
export type { ExpressRequest, NextFunction, WsgiMiddleware, WsgiMountOptions } from './types.js';
export type { Body, Chunk, Environ, HeaderList, PostHook, StartResponse, Write, WsgiApp } from '@wsgi-bridge/core';
export { WsgiError } from '@wsgi-bridge/core';
export { deferContinue, prepareHostServer } from '@wsgi-bridge/core/adapter';
