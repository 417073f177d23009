// What a mount does to the http.Server it runs on but does not own (prepareHostServer):
// Node's answers to bad bytes, except that a response in flight is finished first; a
// 'clientError' listener of the application's own, added before or after, is left to answer
// alone. Fastify has its own listener: its users pass clientErrorHandler instead.
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { prepareHostServer, wsgiMount } from '@wsgi-bridge/express';
import { clientErrorHandler, wsgiPlugin } from '@wsgi-bridge/fastify';
import type { WsgiApp } from '@wsgi-bridge/core';
import { closedAfterEach } from './helpers/serve-each.js';
import { RawClient } from './helpers/raw.js';

const hello: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', '5']]);
  return ['hello'];
};
const GARBAGE = 'NOT HTTP AT ALL\r\n\r\n';
const BAD_REQUEST = 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n';
const OWN_REPLY = 'HTTP/1.1 400 Bad Request\r\nX-Handler: own\r\nConnection: close\r\n\r\n';

const servers = closedAfterEach();

/** Express with the mount, on a server of its own, listening on loopback. */
async function expressServer(prepare: (server: Server) => void): Promise<number> {
  const web = express();
  web.use(wsgiMount(hello));
  const server = createServer(web);
  servers.push(server);
  prepare(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const ownHandler = (_err: Error, socket: Socket): void => {
  socket.end(OWN_REPLY);
};

/** All the server sends for `data` on a new connection, until it closes. */
async function exchange(port: number, data: string): Promise<string> {
  const client = await RawClient.connect(port);
  client.write(data);
  try {
    return await client.readToEnd(3000);
  } finally {
    client.close();
  }
}

describe('prepareHostServer', () => {
  it("answers bad bytes with Node's 400, Content-Length 0, and closes", async () => {
    const port = await expressServer(prepareHostServer);
    expect(await exchange(port, GARBAGE)).toBe(BAD_REQUEST);
  });

  it("answers a head over Node's size limit with 431", async () => {
    const port = await expressServer(prepareHostServer);
    const response = await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(response).toBe('HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  it('sends the response of a request that came before the bad bytes, then closes', async () => {
    const port = await expressServer(prepareHostServer);
    const response = await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${GARBAGE}`);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello$/);
  });

  it('is installed once, however often it is called', async () => {
    let server!: Server;
    await expressServer((s) => {
      server = s;
      prepareHostServer(s);
      prepareHostServer(s);
    });
    expect(server.listenerCount('clientError')).toBe(1);
    expect(server.listenerCount('checkContinue')).toBe(1);
  });

  it("leaves the answer to the application's own listener, added before", async () => {
    const port = await expressServer((server) => {
      server.on('clientError', ownHandler);
      prepareHostServer(server);
    });
    expect(await exchange(port, GARBAGE)).toBe(OWN_REPLY);
  });

  it("leaves the answer to the application's own listener, added after", async () => {
    let server!: Server;
    const port = await expressServer((s) => {
      server = s;
      prepareHostServer(s);
      s.on('clientError', ownHandler);
    });
    expect(await exchange(port, GARBAGE)).toBe(OWN_REPLY);
    expect(server.listenerCount('clientError')).toBe(1); // the mount's listener has left
    expect(await exchange(port, GARBAGE)).toBe(OWN_REPLY);
  });

  it('is made by the mount itself on its first request', async () => {
    let server!: Server;
    const port = await expressServer((s) => {
      server = s;
    });
    expect(server.listenerCount('clientError')).toBe(0);
    expect(await exchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n')).toMatch(/hello$/);
    expect(server.listenerCount('clientError')).toBe(1);
    expect(await exchange(port, GARBAGE)).toBe(BAD_REQUEST);
  });
});

describe("Fastify's clientErrorHandler option", () => {
  it("is Fastify's to install: the plugin adds no second listener beside Fastify's own", async () => {
    const fastify = Fastify();
    const before = fastify.server.listenerCount('clientError');
    await fastify.register(wsgiPlugin, { app: hello });
    await fastify.ready();
    try {
      expect(before).toBe(1);
      expect(fastify.server.listenerCount('clientError')).toBe(1);
    } finally {
      await fastify.close();
    }
  });

  it('sends the response of a request that came before the bad bytes, then closes', async () => {
    const fastify = Fastify({ clientErrorHandler });
    await fastify.register(wsgiPlugin, { app: hello });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    try {
      const port = (fastify.server.address() as AddressInfo).port;
      expect(await exchange(port, `GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n${GARBAGE}`))
        .toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nhello$/);
      expect(await exchange(port, GARBAGE)).toBe(BAD_REQUEST);
    } finally {
      await fastify.close();
    }
  });
});
