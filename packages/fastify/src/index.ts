/**
 * @wsgi-bridge/fastify: run a WSGI app (PEP 3333 with eventlet's extensions) as a Fastify
 * plugin, `await fastify.register(wsgiPlugin, { app: helloWorld, prefix: '/legacy' })`.
 */
export { wsgiPlugin } from './plugin.js';
export type { WsgiPluginOptions } from './plugin.js';
export type { Body, Chunk, Environ, HeaderList, PostHook, StartResponse, Write, WsgiApp } from '@wsgi-bridge/core';
export { WsgiError } from '@wsgi-bridge/core';
export { clientErrorHandler } from '@wsgi-bridge/core/adapter';
