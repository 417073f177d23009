import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { deferContinue, type WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { serve } from './serve.js';

/** A running front end serving one WSGI app on a loopback port. */
export interface Mounted {
  port: number;
  /** The server's log and wsgi.errors text. */
  log: string[];
  close(): Promise<void>;
}

/** One way to run a WSGI app: the standalone server, Express, Fastify. */
export interface FrontEnd {
  name: string;
  mount(app: WsgiApp): Promise<Mounted>;
  /**
   * Bring a raw response to the standalone server's bytes where the front end differs
   * by design, and only there: a framework's kept connections carry Node's own
   * `Connection: keep-alive` and `Keep-Alive` headers, as its other routes do.
   */
  normalize(response: string): string;
}

const NODE_KEEP_ALIVE = /\r\nConnection: keep-alive\r\nKeep-Alive: timeout=\d+(?=\r\n)/g;

export const standalone: FrontEnd = {
  name: 'standalone server',
  mount: (app) => serve(app),
  normalize: (response) => response,
};

/** Express 5 with the app at the root, `x-powered-by` off, 100 Continue deferred from the start. */
export const expressFrontEnd: FrontEnd = {
  name: 'Express',
  async mount(app) {
    const log: string[] = [];
    const web = express();
    web.disable('x-powered-by');
    web.use(wsgiMount(app, { errors: (text) => log.push(text) }));
    const server = createServer(web);
    deferContinue(server); // the one documented line: lazy 100s from the first request on
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      log,
      close: () => new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    };
  },
  normalize: (response) => response.replace(NODE_KEEP_ALIVE, ''),
};

export const frontEnds: FrontEnd[] = [standalone, expressFrontEnd];
