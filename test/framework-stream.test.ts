// 100 MiB each way through every framework mount (Express 5, Express 4, Fastify), streamed
// at both ends. Each side waits for the other to see the first bytes before it sends the
// rest, so anything that buffered a whole body on the way would stall the test instead of
// passing it. The standalone server streams a GiB each way in streaming-memory.test.ts.
import { createHash } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { deferred, routes } from './helpers/http.js';
import { CHUNK, hashingUpload, numberedChunks } from './helpers/stream.js';
import { expressVersions, listen, within } from './express-harness.js';

const HUNDRED_MIB = 100 * 1024 * 1024;
const HANDOFF_MS = 10_000;
const PREFIX = '/big';

/** A framework serving a WSGI app under PREFIX on a loopback port. */
interface Mount {
  name: string;
  mount(app: WsgiApp): Promise<{ url: string; close(): Promise<void> }>;
}

const mounts: Mount[] = [
  ...expressVersions.map(({ name, express }): Mount => ({
    name: `${name} + wsgiMount`,
    async mount(app) {
      const server = express();
      server.use(PREFIX, wsgiMount(app));
      const srv = await listen(server);
      return { url: `${srv.url}${PREFIX}`, close: srv.close };
    },
  })),
  {
    name: 'Fastify + wsgiPlugin',
    async mount(app) {
      const fastify = Fastify();
      await fastify.register(wsgiPlugin, { app, prefix: PREFIX, errors: () => {} });
      await fastify.listen({ port: 0, host: '127.0.0.1' });
      return { url: `http://127.0.0.1:${(fastify.server.address() as AddressInfo).port}${PREFIX}`, close: () => fastify.close() };
    },
  },
];

describe.each(mounts)('100 MiB streamed through $name', ({ mount }) => {
  let appSawFirst = deferred();
  let clientSawFirst = deferred();
  let servedDigest = '';

  const apps: Record<string, WsgiApp> = {
    '/upload': hashingUpload(() => appSawFirst.resolve()),
    '/download': (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const hash = createHash('sha256');
      return (async function* () {
        yield* numberedChunks(HUNDRED_MIB, hash, () => within(clientSawFirst.promise, HANDOFF_MS, 'the client to receive the first bytes'));
        servedDigest = hash.digest('hex');
      })();
    },
  };

  let srv: Awaited<ReturnType<Mount['mount']>>;
  beforeAll(async () => {
    srv = await mount(routes(apps));
  });
  afterAll(() => srv.close());

  it('uploads: wsgi.input hands the app the body while the client is still sending it', async () => {
    appSawFirst = deferred();
    const sent = createHash('sha256');
    const req = http.request(`${srv.url}/upload`, {
      method: 'POST',
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
    const body = numberedChunks(HUNDRED_MIB, sent, () => within(appSawFirst.promise, HANDOFF_MS, 'the app to read the first bytes'));
    await pipeline(Readable.from(body), req);
    expect(JSON.parse(await answer)).toEqual({ total: HUNDRED_MIB, biggest: CHUNK, digest: sent.digest('hex') });
  });

  it('downloads: the client gets the body while the app is still yielding it', async () => {
    clientSawFirst = deferred();
    servedDigest = '';
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${srv.url}/download`, { agent: false }, resolve).on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    // Hash what arrives, as it arrives; the first piece lets the app go on.
    const received = createHash('sha256');
    let total = 0;
    for await (const part of res as AsyncIterable<Buffer>) {
      clientSawFirst.resolve();
      received.update(part);
      total += part.length;
    }
    expect(servedDigest).not.toBe(''); // the app ran to its end
    expect({ total, digest: received.digest('hex') }).toEqual({ total: HUNDRED_MIB, digest: servedDigest });
  });
});
