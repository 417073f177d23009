import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type WsgiApp } from '@wsgi-bridge/core';
import { deferContinue } from '@wsgi-bridge/core/adapter';
import { maskDate, RawClient } from './helpers/raw.js';
import { serve, type TestServer } from './helpers/serve.js';

const twoBodies: WsgiApp = async (env, startResponse) => {
  const input = env['wsgi.input'];
  const first = await input.read();
  input.send_hundred_continue_response();
  const second = await input.read();
  startResponse('200 OK', []);
  return [first, '|', second];
};

/** A connection whose first chunked body was read and whose second 100 has arrived. */
async function awaitingSecondBody(port: number, connection = ''): Promise<RawClient> {
  const client = await RawClient.connect(port);
  client.write(`PUT / HTTP/1.1\r\nHost: x\r\n${connection}Transfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n`);
  await client.readUntil('\r\n\r\n');
  client.write('2\r\nok\r\n0\r\n\r\n');
  await client.readUntil('\r\n\r\n');
  return client;
}

describe('100 Continue: edges and bad input (standalone server)', () => {
  let server: TestServer;
  afterEach(async () => server.close());

  it('is lazy: nothing is sent until the app first reads', async () => {
    let read!: () => void;
    const reading = new Promise<void>((resolve) => (read = resolve));
    server = await serve(async (env, startResponse) => {
      await reading;
      const body = await env['wsgi.input'].read(0); // even read(0) sends it, as in eventlet
      startResponse('200 OK', []);
      return [body, await env['wsgi.input'].read()];
    });
    const client = await RawClient.connect(server.port);
    client.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(client.take()).toBe('');
    read();
    expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    client.write('ok');
    expect(maskDate(await client.readResponse())).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: …\r\n\r\nok');
    client.close();
  });

  it('sends no 100 to an HTTP/1.0 client, and none when the client did not ask', async () => {
    server = await serve(async (env, startResponse) => {
      env['wsgi.input'].send_hundred_continue_response();
      startResponse('200 OK', []);
      return [await env['wsgi.input'].read()];
    });
    const old = await RawClient.connect(server.port);
    old.write('PUT / HTTP/1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\nhi');
    expect(maskDate(await old.readToEnd())).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: …\r\nConnection: close\r\n\r\nhi');
    const plain = await RawClient.connect(server.port);
    plain.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi');
    expect(maskDate(await plain.readResponse())).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: …\r\n\r\nhi');
    plain.close();
  });

  it('a malformed second chunked body rejects read() with a clear error', async () => {
    server = await serve(twoBodies);
    const client = await awaitingSecondBody(server.port);
    client.write('zz\r\nnot a chunk\r\n');
    expect(await client.readToEnd()).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n/);
    expect(server.log.join('')).toContain('malformed chunked request body: bad chunk size line "zz"');
  });

  it('a client that leaves mid second body: a clear error, and the server goes on', async () => {
    server = await serve(twoBodies);
    const client = await awaitingSecondBody(server.port);
    client.write('10\r\nonly part');
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    await expect.poll(() => server.log.join('')).toContain('request body truncated');
    const next = await RawClient.connect(server.port);
    next.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nConnection: close\r\n\r\na');
    expect(await next.readToEnd()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\na\|$/);
  });

  it('the second body is decoded across arbitrary splits, extensions and trailers ignored', async () => {
    server = await serve(twoBodies);
    const client = await awaitingSecondBody(server.port, 'Connection: close\r\n');
    const second = '3;ext=1\r\nbcd\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n';
    for (const byte of second) {
      client.write(byte);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await client.readToEnd()).toMatch(/\r\n\r\nok\|bcd0123456789$/);
  });
});

describe('deferContinue on a plain node:http server', () => {
  let http: Server;
  afterEach(() => new Promise<void>((resolve) => http.close(() => resolve())));

  async function start(): Promise<number> {
    http = createServer((req, res) => {
      if (req.url === '/reads') {
        let size = 0;
        req.on('data', (chunk: Buffer) => (size += chunk.length));
        req.on('end', () => res.end(String(size)));
      } else {
        res.writeHead(413, ['Content-Length', '0']);
        res.end();
      }
    });
    deferContinue(http);
    deferContinue(http); // idempotent: one listener
    expect(http.listenerCount('checkContinue')).toBe(1);
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    return (http.address() as AddressInfo).port;
  }

  it('a route that reads its body sends the 100 when it starts reading', async () => {
    const client = await RawClient.connect(await start());
    client.write('PUT /reads HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n');
    expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    client.write('abc');
    expect(await client.readResponse()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n3$/);
    client.close();
  });

  it('a route that refuses without reading sends no 100 and closes', async () => {
    const client = await RawClient.connect(await start());
    client.write('PUT /refuses HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n');
    const response = await client.readToEnd();
    expect(response).toMatch(/^HTTP\/1\.1 413 Payload Too Large\r\n/);
    expect(response).toContain('Connection: close\r\n');
    expect(response).not.toContain('100 Continue');
  });
});
