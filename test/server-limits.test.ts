// urlLengthLimit and eventlet's fixed limits on headers: its exact replies, then the connection closes.
import { describe, expect, it } from 'vitest';
import type { ServerOptions, WsgiApp } from '@wsgi-bridge/server';
import { rawExchange } from './helpers/raw.js';
import { serveEach } from './helpers/serve-each.js';
import type { TestServer } from './helpers/serve.js';


let calls = 0;
const hello: WsgiApp = (_env, startResponse) => {
  calls++;
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

const serveHello = serveEach();
function start(options: ServerOptions = {}): Promise<TestServer> {
  calls = 0;
  return serveHello(hello, options);
}

/** A GET whose request line, CRLF included, is `length` bytes long. */
const requestLineOf = (length: number): string => `GET /${'a'.repeat(length - 16)} HTTP/1.1\r\n`;

describe('urlLengthLimit', () => {
  it('serves a request line of 8191 bytes with its CRLF, and answers 8192 with eventlet\'s 414', async () => {
    const srv = await start();
    expect(await rawExchange(srv.port, `${requestLineOf(8191)}Host: x\r\nConnection: close\r\n\r\n`)).toMatch(/^HTTP\/1\.1 200 OK/);
    expect(await rawExchange(srv.port, `${requestLineOf(8192)}Host: x\r\n\r\n`))
      .toBe('HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(calls).toBe(1);
    // one access line: the refused request never reached the app
    expect(srv.log.filter((line) => line.includes('"GET /a'))).toHaveLength(1);
  });

  it('is configurable: 20000 lets a 15000-byte path through', async () => {
    const srv = await start({ urlLengthLimit: 20000 });
    const text = await rawExchange(srv.port, `GET /${'a'.repeat(15000)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect(text).toMatch(/^HTTP\/1\.1 200 OK[^]*hello$/);
  });

  it('a request pipelined behind a refused one is never served', async () => {
    const srv = await start({ urlLengthLimit: 100 });
    const text = await rawExchange(srv.port, `${requestLineOf(200)}Host: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(text).toBe('HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(calls).toBe(0);
  });
});

describe('header limits (eventlet constants)', () => {
  it('a header line of 8192 bytes or more: 400 Header Line Too Long', async () => {
    const srv = await start();
    expect(await rawExchange(srv.port, `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'b'.repeat(10000)}\r\n\r\n`))
      .toBe('HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n');
  });

  it('more than 65536 bytes of headers: 400 Headers Too Large', async () => {
    const srv = await start();
    let headers = '';
    for (let i = 0; i < 20; i++) headers += `X-H${i}: ${'h'.repeat(7000)}\r\n`;
    expect(await rawExchange(srv.port, `GET / HTTP/1.1\r\nHost: x\r\n${headers}\r\n`))
      .toBe('HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n');
  });

  it('more than 100 headers: 431', async () => {
    const srv = await start();
    let headers = 'Host: x\r\n';
    for (let i = 0; i < 100; i++) headers += `X-H${i}: ${i}\r\n`;
    expect(await rawExchange(srv.port, `GET / HTTP/1.1\r\n${headers}\r\n`))
      .toBe('HTTP/1.1 431 Too many headers\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  it('100 headers are fine', async () => {
    const srv = await start();
    let headers = 'Host: x\r\nConnection: close\r\n';
    for (let i = 0; i < 98; i++) headers += `X-H${i}: ${i}\r\n`;
    expect(await rawExchange(srv.port, `GET / HTTP/1.1\r\n${headers}\r\n`)).toMatch(/^HTTP\/1\.1 200 OK/);
  });
});
