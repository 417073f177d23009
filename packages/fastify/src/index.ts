/**
 * @wsgi-bridge/fastify: a WSGI app as a Fastify plugin.
 *
 *   await fastify.register(wsgiPlugin, { app: helloWorld, prefix: '/legacy' });
 */
export { wsgiPlugin } from './plugin.js';
export type { WsgiPluginOptions } from './plugin.js';
