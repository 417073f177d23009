// Bodies that must stream through Fastify + wsgiPlugin beyond the 100 MiB each way that
// framework-stream.test.ts sends through every framework: a slow reader holding the app
// back, a client that leaves, short and close-delimited bodies, and inject.
import { createHash } from 'node:crypto';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { parseResponse, request, routes, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';
import { CHUNK, hashingUpload, numberedChunks, pattern } from './helpers/stream.js';

describe('streaming through wsgiPlugin', () => {
  const fastify = Fastify();
  let port = 0;
  const slow = { yielded: 0, closed: 0, posthooks: 0, finallyRan: false };

  const apps: Record<string, WsgiApp> = {
    '/upload': hashingUpload(),
    '/slow': (environ, startResponse) => {
      environ['eventlet.posthooks'].push([() => (slow.posthooks += 1)]);
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const body = (function* () {
        try {
          for (let i = 0; i < 2048; i++) {
            slow.yielded += CHUNK;
            yield pattern;
          }
        } finally {
          slow.finallyRan = true;
        }
      })();
      return Object.assign(body, { close: () => (slow.closed += 1) });
    },
    '/short': (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Length', '10']]);
      return (async function* () {
        yield 'abc';
      })();
    },
    '/chunks': (environ, startResponse) => {
      environ['eventlet.minimum_write_chunk_size'] = 0;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'one ';
        yield 'two';
      })();
    },
  };

  beforeAll(async () => {
    await fastify.register(wsgiPlugin, { app: routes(apps), prefix: '/s', errors: () => {} });
    await fastify.listen({ port: 0, host: '127.0.0.1' });
    port = (fastify.server.address() as AddressInfo).port;
  });
  afterAll(() => fastify.close());

  it('a reader that stops holds the app back; when it leaves, the body is closed once and post hooks run', async () => {
    const socket = net.connect(port, '127.0.0.1');
    let received = 0;
    socket.once('data', (part: Buffer) => {
      received = part.length;
      socket.pause();
    });
    socket.write(request('GET', '/s/slow'));
    await waitFor(() => received > 0, 'the first bytes');
    // Once the socket buffers are full the app must stop: its count holds still for 200 ms.
    let held = -1;
    for (let look = 0; look < 20 && held !== slow.yielded; look++) {
      held = slow.yielded;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(slow.yielded).toBe(held);
    expect(held).toBeLessThan((2048 * CHUNK) / 2);
    socket.destroy();
    await waitFor(() => slow.posthooks === 1, 'the post hook after the client left');
    expect(slow.finallyRan).toBe(true);
    expect(slow.closed).toBe(1);
    expect(slow.yielded).toBe(held);
  });

  it('a body shorter than its Content-Length ends with the connection closed', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/s/short'));
      const res = parseResponse(await client.readToEnd());
      expect(res.status).toBe(200);
      expect(res.header('content-length')).toBe('10');
      expect(res.body).toBe('abc');
    } finally {
      client.close();
    }
  });

  it('an HTTP/1.0 client gets a streamed body delimited by the connection closing', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/s/chunks', [], '', 'HTTP/1.0'));
      const res = parseResponse(await client.readToEnd());
      expect(res.header('transfer-encoding')).toBeUndefined();
      expect(res.rawBody).toBe('one two');
    } finally {
      client.close();
    }
  });

  it('fastify.inject streams both ways too', async () => {
    const sent = createHash('sha256');
    const size = 3 * CHUNK + 100;
    const up = await fastify.inject({
      method: 'POST',
      url: '/s/upload',
      headers: { 'content-type': 'application/octet-stream' },
      payload: Readable.from(numberedChunks(size, sent)),
    });
    expect(up.json()).toEqual({ total: size, biggest: CHUNK, digest: sent.digest('hex') });
    const down = await fastify.inject({ url: '/s/chunks' });
    expect(down.statusCode).toBe(200);
    expect(down.body).toBe('one two');
  });
});
