import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { curl, curlWaitedFor100, uploadFile } from './helpers/curl.js';
import { RawClient } from './helpers/raw.js';

const SIZE = 10 * 1024 * 1024;

const countBytes: WsgiApp = async (env, startResponse) => {
  const body = await env['wsgi.input'].read();
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`wsgi ${body.length}`];
};

/** A framework with the WSGI app at /wsgi and native routes beside it, on a loopback port. */
interface Host {
  name: string;
  start(): Promise<{ port: number; close(): Promise<void> }>;
}

const hosts: Host[] = [
  {
    name: 'Express', // the mount defers the server's 100s by itself
    async start() {
      const web = express();
      web.use('/wsgi', wsgiMount(countBytes));
      web.put('/native', express.raw({ type: () => true, limit: '20mb' }), (req, res) => {
        res.send(`native ${(req.body as Buffer).length}`);
      });
      web.put('/refuse', (_req, res) => {
        res.status(413).send('too large');
      });
      const server = createServer(web);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const port = (server.address() as AddressInfo).port;
      // No explicit deferContinue: the mount defers the server's 100s from the first request it sees.
      const first = await fetch(`http://127.0.0.1:${port}/wsgi/`, { method: 'PUT', body: 'warm' });
      expect(await first.text()).toBe('wsgi 4');
      return {
        port,
        close: () => new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
      };
    },
  },
  {
    name: 'Fastify', // the plugin defers the server's 100s at registration
    async start() {
      const fastify = Fastify({ bodyLimit: 20 * 1024 * 1024 });
      fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
      fastify.put('/native', async (request) => `native ${(request.body as Buffer).length}`);
      // Fastify parses a body before the handler runs; refusing unread means refusing before that.
      fastify.put('/refuse', { onRequest: async (_request, reply) => reply.code(413).send('too large') }, async () => 'unreached');
      await fastify.register(wsgiPlugin, { app: countBytes, prefix: '/wsgi' });
      await fastify.listen({ port: 0, host: '127.0.0.1' });
      return {
        port: (fastify.server.address() as AddressInfo).port,
        close: async () => {
          fastify.server.closeAllConnections();
          await fastify.close();
        },
      };
    },
  },
];

// Native routes beside a WSGI mount: with the 100 deferred on their server, whatever
// starts reading a body sends it, and a route that refuses unread sends none.
describe.each(hosts)('100 Continue on native $name routes beside the WSGI app', ({ start }) => {
  let host: Awaited<ReturnType<Host['start']>>;
  let file: ReturnType<typeof uploadFile>;

  beforeAll(async () => {
    file = uploadFile(SIZE);
    host = await start();
  });
  afterAll(async () => {
    file.remove();
    await host.close();
  });

  for (const [path, answer] of [['/wsgi/', `wsgi ${SIZE}`], ['/native', `native ${SIZE}`]]) {
    it(`curl PUTting 10 MB to ${path} gets its 100 at once`, async () => {
      const run = await curl(['-sv', '-T', file.path, `http://127.0.0.1:${host.port}${path}`]);
      expect(run.stdout).toBe(answer);
      expect(run.stderr).toContain('< HTTP/1.1 100 Continue');
      expect(curlWaitedFor100(run)).toBe(false);
    });
  }

  it('a native route that refuses without reading sends no 100, and closes', async () => {
    const client = await RawClient.connect(host.port);
    client.write('PUT /refuse HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nExpect: 100-continue\r\n\r\n');
    const response = await client.readToEnd();
    expect(response).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/i);
    expect(response).not.toContain('100 Continue');
    expect(response).toMatch(/\r\nConnection: close\r\n/i);
  });
});
