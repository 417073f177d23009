// Slow clients and hanging apps on the standalone server, with short timeouts: a client
// that stalls while sending headers or a body, or while taking the response, is cut off
// by socketTimeout without starving the others (even when they fill every maxSize slot),
// and one trickling its headers within it is served (a slowloris that never ends its
// headers is cut off by headersTimeout: server-headers-timeout.test.ts); an app that
// hangs holds only its own connection, and is cleaned up when its client leaves.
import { afterEach, describe, expect, it } from 'vitest';
import type { Body, WsgiApp } from '@wsgi-bridge/core';
import { deferred, fetchRaw, logText, parseResponse, request, routes } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';
import { serve, type TestServer } from './helpers/serve.js';

const SOCKET_TIMEOUT_S = 0.3;
/** Long enough for a 0.3 s timeout to have fired (Node checks it on its own timer). */
const CUT_WITHIN_MS = 1500;

let closes = 0;
let hooks = 0;
let bodyReadFailed = deferred<string>();
const counted = (env: Parameters<WsgiApp>[0], body: AsyncGenerator<Buffer | string>): Body => {
  env['eventlet.posthooks'].push([() => void (hooks += 1)]);
  return Object.assign(body, { close: () => void (closes += 1) });
};
const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];

const app = routes({
  '/ok': (_env, startResponse) => (startResponse('200 OK', TEXT), ['ok']),
  '/echo': (env, startResponse) => {
    startResponse('200 OK', TEXT);
    return counted(env, (async function* () {
      try {
        yield await env['wsgi.input'].read();
      } catch (err) {
        bodyReadFailed.resolve(String(err));
        throw err;
      }
    })());
  },
  '/big': (env, startResponse) => {
    startResponse('200 OK', TEXT);
    return counted(env, (async function* () {
      for (;;) yield Buffer.alloc(256 * 1024, 0x62);
    })());
  },
  '/hang': (env, startResponse) => {
    startResponse('200 OK', TEXT);
    return counted(env, (async function* () {
      await new Promise(() => {}); // never settles: only the client leaving ends this request
      yield 'never';
    })());
  },
});

let server: TestServer;
const clients: RawClient[] = [];
async function connect(): Promise<RawClient> {
  const client = await RawClient.connect(server.port);
  clients.push(client);
  return client;
}
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await server.close();
});

async function start(options: Parameters<typeof serve>[1] = {}): Promise<void> {
  closes = 0;
  hooks = 0;
  bodyReadFailed = deferred<string>();
  server = await serve(app, { socketTimeout: SOCKET_TIMEOUT_S, ...options });
}

/** Send `text` a byte at a time, `gapMs` apart, until it is sent or the server closes. */
async function trickle(client: RawClient, text: string, gapMs: number): Promise<void> {
  for (const byte of text) {
    if (client.closed) return;
    client.write(byte);
    await new Promise((resolve) => setTimeout(resolve, gapMs));
  }
}

/** Another client's plain request, answered: how long it took. */
async function timeOk(): Promise<number> {
  const started = performance.now();
  const response = await fetchRaw(server.port, request('GET', '/ok'), CUT_WITHIN_MS * 2);
  expect(response.body).toBe('ok');
  return performance.now() - started;
}

describe('slow clients', () => {
  it('cuts off a client that stalls in its headers, and serves others meanwhile', async () => {
    await start({ socketTimeout: 1 }); // room for the other request first, even on a busy machine
    const stalled = await connect();
    stalled.write('GET /ok HTTP/1.1\r\nHost: slow\r\nX-Slow: ');
    await timeOk();
    expect(stalled.closed).toBe(false); // served while the stalled one still held its connection
    expect(await stalled.closesWithin(1000 + CUT_WITHIN_MS)).toBe(true);
  });

  it('frees every maxSize slot held by stalled clients, so a waiting client is served', async () => {
    await start({ maxSize: 4 });
    for (let i = 0; i < 4; i++) (await connect()).write('GET /ok HTTP/1.1\r\nHost: slow\r\n');
    // Queued behind the four until their timeouts free a slot.
    expect(await timeOk()).toBeLessThan(CUT_WITHIN_MS);
  });

  it('cuts off a body that stalls: the read fails, close() and the post hook run once', async () => {
    await start();
    const client = await connect();
    client.write('POST /echo HTTP/1.1\r\nHost: slow\r\nContent-Length: 100\r\n\r\nonly part of it');
    expect(await bodyReadFailed.promise).toMatch(/^WsgiError: timed out reading the request body: no request body bytes for 0\.3 s \(socketTimeout\)/);
    expect(await client.closesWithin(CUT_WITHIN_MS)).toBe(true);
    await expect.poll(() => [closes, hooks]).toEqual([1, 1]);
    expect(logText(server)).toMatch(/timed out \('127\.0\.0\.1', \d+\)/);
  });

  it('cuts off a client that stops taking a large response', async () => {
    await start();
    const client = await connect();
    client.socket.pause(); // reads nothing: the server's buffers fill, then it waits
    client.write(request('GET', '/big'));
    await expect.poll(() => closes, { timeout: 5000 }).toBe(1);
    expect(hooks).toBe(1);
    expect(logText(server)).toMatch(/timed out/);
    await timeOk();
  });

  it('keeps a client that trickles its headers byte by byte within the timeout, then answers it', async () => {
    // Each gap is far inside socketTimeout (room for a busy machine), the whole head well past it.
    await start({ socketTimeout: 1 });
    const client = await connect();
    const head = request('GET', '/ok');
    const started = performance.now();
    await trickle(client, head, 50);
    expect(performance.now() - started).toBeGreaterThan(1000);
    expect(parseResponse(await client.readResponse()).body).toBe('ok');
  });
});

describe('a hanging app', () => {
  it('holds only its own connection; when its client leaves, close() and the post hook run once', async () => {
    await start();
    const client = await connect();
    client.write(request('GET', '/hang'));
    // socketTimeout times socket operations, as eventlet's does: an app awaiting is not one.
    expect(await client.closesWithin(CUT_WITHIN_MS)).toBe(false);
    await timeOk();
    client.close();
    await expect.poll(() => [closes, hooks]).toEqual([1, 1]);
  });
});
