// Bodies that must stream through Fastify + wsgiPlugin: 100 MiB each way, where each
// side waits for the other to see the first bytes before sending the rest (anything
// buffering a whole body on the way would stall the test), a slow reader holding the
// app back, a client that leaves, short and close-delimited bodies, and inject.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { deferred, parseResponse, request, routes, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

const CHUNK = 64 * 1024;
const HUNDRED_MIB = 100 * 1024 * 1024;
const pattern = randomBytes(CHUNK);

/**
 * `total` bytes in CHUNK pieces (the last at least 12 bytes), each numbered so that a lost, repeated or reordered
 * piece changes the hash. After the first piece it waits for `go` (the other side
 * saw it), so the rest cannot have been sent ahead of time.
 */
async function* numberedChunks(total: number, hash: Hash, go?: Promise<void>): AsyncGenerator<Buffer> {
  for (let n = 0; n * CHUNK < total; n++) {
    const piece = Buffer.from(pattern.subarray(0, Math.min(CHUNK, total - n * CHUNK)));
    piece.writeUInt32LE(n, 8);
    hash.update(piece);
    yield piece;
    if (n === 0 && go !== undefined) await go;
  }
}

describe('streaming through wsgiPlugin', () => {
  const fastify = Fastify();
  let port = 0;
  let appSawFirst = deferred();
  let clientSawFirst = deferred();
  let servedDigest = '';
  const slow = { yielded: 0, closed: 0, posthooks: 0, finallyRan: false };

  const apps: Record<string, WsgiApp> = {
    '/upload': async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      const hash = createHash('sha256');
      let total = 0;
      let biggest = 0;
      for (;;) {
        const piece = await input.read(CHUNK);
        if (piece.length === 0) break;
        appSawFirst.resolve();
        hash.update(piece);
        total += piece.length;
        biggest = Math.max(biggest, piece.length);
      }
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify({ total, biggest, digest: hash.digest('hex') })];
    },
    '/download': (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const hash = createHash('sha256');
      return (async function* () {
        yield* numberedChunks(HUNDRED_MIB, hash, clientSawFirst.promise);
        servedDigest = hash.digest('hex');
      })();
    },
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

  it('uploads 100 MiB: wsgi.input hands the app the body while the client is still sending it', async () => {
    appSawFirst = deferred();
    const sent = createHash('sha256');
    const req = http.request(`http://127.0.0.1:${port}/s/upload`, {
      method: 'PUT',
      agent: false,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': HUNDRED_MIB },
    });
    const answer = new Promise<string>((resolve, reject) => {
      req.on('response', (res) => {
        const parts: Buffer[] = [];
        res.on('data', (part: Buffer) => parts.push(part)).on('end', () => resolve(Buffer.concat(parts).toString()));
      });
      req.on('error', reject);
    });
    await pipeline(Readable.from(numberedChunks(HUNDRED_MIB, sent, appSawFirst.promise)), req);
    expect(JSON.parse(await answer)).toEqual({ total: HUNDRED_MIB, biggest: CHUNK, digest: sent.digest('hex') });
  });

  it('downloads 100 MiB: the client gets the body while the app is still yielding it', async () => {
    clientSawFirst = deferred();
    servedDigest = '';
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`http://127.0.0.1:${port}/s/download`, { agent: false }, resolve).on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    // Hash what arrives, as it arrives; the first piece lets the app go on.
    const received = createHash('sha256');
    let total = 0;
    const hasher = new Writable({
      write(part: Buffer, _encoding, next) {
        clientSawFirst.resolve();
        received.update(part);
        total += part.length;
        next();
      },
    });
    await pipeline(res, hasher);
    expect({ total, digest: received.digest('hex') }).toEqual({ total: HUNDRED_MIB, digest: servedDigest });
  });

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
