import Fastify, { type FastifyPluginAsync } from 'fastify';
import type { WsgiApp } from '@wsgi-bridge/server';
import { HELLO } from '../config.js';
import { optionalExport } from './optional.js';
import { helloWorld } from './wsgi-apps.js';
import { portOf } from './listening.js';

/** The idiomatic native route (Fastify's logger is off by default). */
export async function startNative(): Promise<number> {
  const fastify = Fastify();
  fastify.get('/', async (_request, reply) => {
    reply.type('text/plain');
    return HELLO;
  });
  return listen(fastify);
}

export async function startWsgi(): Promise<number> {
  const wsgiPlugin = await optionalExport<FastifyPluginAsync<{ app: WsgiApp }>>('@wsgi-bridge/fastify', 'wsgiPlugin');
  const fastify = Fastify();
  await fastify.register(wsgiPlugin, { app: helloWorld });
  return listen(fastify);
}

async function listen(fastify: ReturnType<typeof Fastify>): Promise<number> {
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return portOf(fastify.server);
}
