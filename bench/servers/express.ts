import { createServer } from 'node:http';
import express, { type RequestHandler } from 'express';
import type { WsgiApp } from '@wsgi-bridge/server';
import { HELLO } from '../config.js';
import { listening } from './listening.js';
import { optionalExport } from './optional.js';
import { helloWorld } from './wsgi-apps.js';

/** The idiomatic native handler. */
export function startNative(): Promise<number> {
  const app = express();
  app.get('/', (_req, res) => {
    res.type('text/plain').send(HELLO);
  });
  return listening(createServer(app));
}

export async function startWsgi(): Promise<number> {
  const wsgiMount = await optionalExport<(app: WsgiApp) => RequestHandler>('@wsgi-bridge/express', 'wsgiMount');
  const app = express();
  app.use(wsgiMount(helloWorld));
  return listening(createServer(app));
}
