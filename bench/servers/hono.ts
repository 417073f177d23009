import type { Server } from 'node:http';
import { serve, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import type { WsgiApp } from '@wsgi-bridge/server';
import { HELLO } from '../config.js';
import { optionalExport } from './optional.js';
import { helloWorld } from './wsgi-apps.js';
import { portOf } from './listening.js';

type ToFetchHandler = (app: WsgiApp) => (request: Request, context?: unknown) => Promise<Response>;

/** The idiomatic native route, on @hono/node-server. */
export async function startNative(): Promise<number> {
  const hono = new Hono<{ Bindings: HttpBindings }>();
  hono.get('/', (c) => c.text(HELLO));
  return listen(hono);
}

/** hello_world through toFetchHandler, mounted as the package README shows it for node-server. */
export async function startWsgi(): Promise<number> {
  const toFetchHandler = await optionalExport<ToFetchHandler>('@wsgi-bridge/fetch', 'toFetchHandler');
  const legacy = toFetchHandler(helloWorld);
  const hono = new Hono<{ Bindings: HttpBindings }>();
  hono.all('*', (c) => legacy(c.req.raw, c.env));
  return listen(hono);
}

async function listen(hono: Hono<{ Bindings: HttpBindings }>): Promise<number> {
  const server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.once('listening', resolve);
  });
  return portOf(server);
}
