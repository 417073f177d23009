// Limits on the standalone server beyond bad-requests.test.ts, which has eventlet's 414
// (at the 8192-byte boundary and configured), Header Line Too Long and Headers Too Large:
// nothing pipelined behind a refused request is served, and the header count limit, exact
// reply and boundary.
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
  it('a request pipelined behind a refused one is never served', async () => {
    const srv = await start({ urlLengthLimit: 100 });
    const text = await rawExchange(srv.port, `${requestLineOf(200)}Host: x\r\n\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(text).toBe('HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(calls).toBe(0);
  });
});

describe("the header count limit (the stdlib's 100)", () => {
  it('more than 100 headers: 431, then the close', async () => {
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
