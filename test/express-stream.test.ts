// 100 MB each way through Express + wsgiMount, streamed at both ends. Each side waits
// for the other to see the first bytes before it sends the rest, so anything that
// buffered a whole body on the way would stall the test instead of passing it.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { deferred, routes } from './helpers/http.js';
import { expressVersions, listen, within, type Listening } from './express-harness.js';

const BLOCK = 64 * 1024;
const BLOCKS = 1600;
const TOTAL = BLOCK * BLOCKS; // 100 MiB
const HANDOFF_MS = 10_000;
const noise = randomBytes(BLOCK);

/** Block `i` of a test body: noise stamped with `i`, so a lost, repeated or swapped block changes the hash. */
function block(i: number): Buffer {
  const buffer = Buffer.allocUnsafe(BLOCK);
  noise.copy(buffer);
  buffer.writeUInt32BE(i, 0);
  return buffer;
}

/** Blocks 0..BLOCKS-1, hashed as they go; after the first, wait for `firstSeen`. */
async function* blocks(hash: ReturnType<typeof createHash>, firstSeen: Promise<void>, what: string): AsyncGenerator<Buffer> {
  for (let i = 0; i < BLOCKS; i++) {
    const buffer = block(i);
    hash.update(buffer);
    yield buffer;
    if (i === 0) await within(firstSeen, HANDOFF_MS, what);
  }
}

describe.each(expressVersions)('100 MB streamed through $name', ({ express }) => {
  let appSawBytes = deferred();
  let clientSawBytes = deferred();
  let servedHash = '';

  const apps: Record<string, WsgiApp> = {
    '/upload': async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      const hash = createHash('sha256');
      let total = 0;
      let largest = 0;
      for (let chunk = await input.read(BLOCK); chunk.length > 0; chunk = await input.read(BLOCK)) {
        appSawBytes.resolve();
        hash.update(chunk);
        total += chunk.length;
        largest = Math.max(largest, chunk.length);
      }
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`${total} ${largest} ${hash.digest('hex')}`];
    },
    '/download': (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
      const hash = createHash('sha256');
      return (async function* () {
        yield* blocks(hash, clientSawBytes.promise, 'the client to receive the first bytes');
        servedHash = hash.digest('hex');
      })();
    },
  };

  let srv: Listening;
  beforeAll(async () => {
    const server = express();
    server.use('/big', wsgiMount(routes(apps)));
    srv = await listen(server);
  });
  afterAll(() => srv.close());

  it('uploads: wsgi.input hands the app the body while it is still arriving', async () => {
    appSawBytes = deferred();
    const sent = createHash('sha256');
    const req = http.request(`${srv.url}/big/upload`, {
      method: 'POST',
      agent: false,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': TOTAL },
    });
    const response = new Promise<string>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('latin1').on('data', (chunk: string) => (text += chunk)).on('end', () => resolve(text));
      });
      req.on('error', reject);
    });
    await pipeline(Readable.from(blocks(sent, appSawBytes.promise, 'the app to read the first bytes')), req);
    const [total, largest, hash] = (await response).split(' ');
    expect(Number(total)).toBe(TOTAL);
    expect(Number(largest)).toBeLessThanOrEqual(BLOCK);
    expect(hash).toBe(sent.digest('hex'));
  });

  it('downloads: the client gets the body while the app is still yielding it', async () => {
    clientSawBytes = deferred();
    servedHash = '';
    const received = createHash('sha256');
    let total = 0;
    const res = await new Promise<http.IncomingMessage>((resolve, reject) => {
      http.get(`${srv.url}/big/download`, { agent: false }, resolve).on('error', reject);
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['transfer-encoding']).toBe('chunked');
    for await (const chunk of res as AsyncIterable<Buffer>) {
      clientSawBytes.resolve();
      received.update(chunk);
      total += chunk.length;
    }
    expect(total).toBe(TOTAL);
    expect(servedHash).not.toBe('');
    expect(received.digest('hex')).toBe(servedHash);
  });
});
