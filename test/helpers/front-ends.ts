import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { serve as serveHono } from '@hono/node-server';
import { type WsgiApp } from '@wsgi-bridge/core';
import { capitalizeHeaderName } from '@wsgi-bridge/core/adapter';
import { wsgiMount } from '@wsgi-bridge/express';
import { clientErrorHandler, wsgiPlugin } from '@wsgi-bridge/fastify';
import { toFetchHandler } from '@wsgi-bridge/fetch';
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
const HEADER_NAME = /(?<=\r\n)([!#$%&'*+\-.^_`|~0-9A-Za-z]+)(?=: )/g;

// Fastify's default for a body with no Content-Type (these tests' apps set none).
const FASTIFY_DEFAULT_TYPE = /\r\nContent-Type: application\/octet-stream(?=\r\n)/;

/**
 * Fastify sends every header name in lower case and gives a typeless body its default
 * type: give the names eventlet's case back, drop that default, then as Express.
 */
const fromFastify = (response: string): string => {
  const end = response.indexOf('\r\n\r\n');
  const head = end === -1 ? response : response.slice(0, end);
  const named = head.replace(HEADER_NAME, (name) => capitalizeHeaderName(name)).replace(FASTIFY_DEFAULT_TYPE, '');
  return (named + response.slice(head.length)).replace(NODE_KEEP_ALIVE, '');
};

export const standalone: FrontEnd = {
  name: 'standalone server',
  mount: (app) => serve(app),
  normalize: (response) => response,
};

/** Express 5 with the app at the root, `x-powered-by` off. */
export const expressFrontEnd: FrontEnd = {
  name: 'Express',
  async mount(app) {
    const log: string[] = [];
    const web = express();
    web.disable('x-powered-by');
    web.use(wsgiMount(app, { errors: (text) => log.push(text) }));
    const server = createServer(web); // the mount prepares it before its first request: no call needed
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

/**
 * Fastify 5 with the plugin at the root; the plugin defers the server's 100s itself, and
 * the documented `clientErrorHandler` keeps a response in flight when bad bytes follow it.
 */
export const fastifyFrontEnd: FrontEnd = {
  name: 'Fastify',
  async mount(app) {
    const log: string[] = [];
    const fastify = Fastify({ clientErrorHandler });
    await fastify.register(wsgiPlugin, { app, errors: (text) => log.push(text) });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    return {
      port: (fastify.server.address() as AddressInfo).port,
      log,
      close: async () => {
        fastify.server.closeAllConnections();
        await fastify.close();
      },
    };
  },
  normalize: fromFastify,
};

export const frontEnds: FrontEnd[] = [standalone, expressFrontEnd, fastifyFrontEnd];

/**
 * Hono on @hono/node-server with toFetchHandler at the root. Not in {@link frontEnds}:
 * the Fetch API has no 100 Continue and no 1xx final status, and Node frames what the
 * Response leaves open, so only the suites that apply take it.
 */
export const honoFrontEnd: FrontEnd = {
  name: 'Hono (fetch)',
  async mount(app) {
    const log: string[] = [];
    const handler = toFetchHandler(app, { errors: (text) => log.push(text) });
    const hono = new Hono();
    hono.all('*', (c) => handler(c.req.raw, c.env));
    const server = serveHono({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    return {
      port: (server.address() as AddressInfo).port,
      log,
      close: () => new Promise<void>((resolve) => {
        (server as import('node:http').Server).closeAllConnections();
        server.close(() => resolve());
      }),
    };
  },
  normalize: (response) => response,
};
