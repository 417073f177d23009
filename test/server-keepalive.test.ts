// keepalive's default and its idle timeout in seconds, and socketTimeout. keepalive false
// and 0, and the Keep-Alive header it sends, are in keepalive.test.ts.
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/server';
import { maskDate, RawClient, rawExchange } from './helpers/raw.js';
import { serveEach } from './helpers/serve-each.js';

const start = serveEach();


const hello: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

/** Answers with the request body, read whole before the response starts. */
const echoBody: WsgiApp = async (env, startResponse) => {
  const body = await env['wsgi.input'].read();
  startResponse('200 OK', []);
  return [body];
};

const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';
const GET_KA = 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n';
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('keepalive', () => {
  it('true (default): connections persist with no idle timeout and no Keep-Alive header', async () => {
    const srv = await start(hello);
    const client = await RawClient.connect(srv.port);
    // Date where eventlet has it, whether Node writes it (nothing of ours after it) or we do.
    const head = 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\nDate: …\r\n';
    client.write(GET);
    expect(maskDate(await client.readResponse())).toBe(`${head}\r\nhello`);
    expect(await client.closesWithin(300)).toBe(false);
    client.write(GET_KA);
    expect(maskDate(await client.readResponse())).toBe(`${head}Connection: keep-alive\r\n\r\nhello`);
    client.close();
  });

  it('a number closes a connection idle that long between requests, silently', async () => {
    const srv = await start(hello, { keepalive: 0.1, socketTimeout: 1 });
    const client = await RawClient.connect(srv.port);
    client.write(GET);
    expect(await client.readResponse()).toMatch(/hello$/);
    await sleep(300);
    expect(client.closed).toBe(true);
    expect(client.take()).toBe('');
    expect(srv.log.join('')).toMatch(/\(\d+\) timed out \('127\.0\.0\.1', \d+\)/);
  });

  // Node parses a pipelined request while the one before it is still being answered:
  // finishing that answer must not start the idle wait under the next request.
  it('a number starts the idle wait only after the last pipelined response, not under a request in flight', async () => {
    const srv = await start(echoBody, { keepalive: 0.1, socketTimeout: 2 });
    const client = await RawClient.connect(srv.port);
    client.write(`${GET}PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc`);
    expect(await client.readResponse()).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    await sleep(400); // the PUT's body stalls well past the idle wait, well within socketTimeout
    client.write('def');
    expect(await client.readResponse()).toMatch(/\r\n\r\nabcdef$/);
    expect(await client.closesWithin(1000)).toBe(true); // idle after the last one
  });

  it('a number leaves socketTimeout in force for a pipelined request after the response before it', async () => {
    const srv = await start(echoBody, { keepalive: 30, socketTimeout: 0.2 });
    const client = await RawClient.connect(srv.port);
    client.write(`${GET}PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\n\r\nabc`);
    await client.readResponse();
    expect(await client.closesWithin(1500)).toBe(true); // the stalled body, not 30 idle seconds
  });

  it('a number also bounds the wait for the first request line', async () => {
    const srv = await start(hello, { keepalive: 0.1 });
    const client = await RawClient.connect(srv.port);
    expect(await client.closesWithin(1000)).toBe(true);
  });
});

describe('socketTimeout', () => {
  it('closes a connection whose request stalls, with no response', async () => {
    const srv = await start(hello, { socketTimeout: 0.1 });
    const started = Date.now();
    expect(await rawExchange(srv.port, 'GET / HTTP/1.1\r\nHost: x\r\n', 2000)).toBe('');
    expect(Date.now() - started).toBeLessThan(1000);
  });

  // eventlet: "Expiry inside an app body read: the app gets an exception, which usually
  // becomes a 500". The connection stays open for that answer, and closes after it.
  it('fails the app\'s read of a body that stalls: an app that lets the error through answers 500, then the connection closes', async () => {
    const srv = await start(echoBody, { socketTimeout: 0.1 });
    const response = await rawExchange(srv.port, 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 2000);
    expect(response).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\n[^]*\r\nConnection: close\r\n\r\n[^]*timed out reading the request body: no request body bytes for 0\.1 s \(socketTimeout\)/);
    expect(srv.log.join('')).toMatch(/\(\d+\) timed out \('127\.0\.0\.1', \d+\)/);
  });

  it('fails the app\'s read of a body that stalls: an app that catches it answers, with Connection: close', async () => {
    let failure = '';
    const reader: WsgiApp = async (env, startResponse) => {
      try {
        await env['wsgi.input'].read();
      } catch (err) {
        failure = (err as Error).message;
      }
      startResponse('200 OK', []);
      return ['read'];
    };
    const srv = await start(reader, { socketTimeout: 0.1, keepalive: 5 });
    const response = await rawExchange(srv.port, 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 2000);
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\nConnection: close\r\n\r\nread$/);
    expect(failure).toMatch(/^timed out reading the request body: /);
  });

  it('times out a read the app begins after a busy spell longer than the timeout', async () => {
    const busyThenRead: WsgiApp = async (env, startResponse) => {
      await sleep(300);
      return echoBody(env, startResponse);
    };
    const srv = await start(busyThenRead, { socketTimeout: 0.1 });
    const response = await rawExchange(srv.port, 'PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc', 2000);
    expect(response).toMatch(/^HTTP\/1\.1 500 /);
  });

  it('leaves an app alone that is busy after a first read, with no read waiting', async () => {
    const readThenBusy: WsgiApp = async (env, startResponse) => {
      const first = await env['wsgi.input'].read(3);
      await sleep(400);
      startResponse('200 OK', []);
      return [first];
    };
    const srv = await start(readThenBusy, { socketTimeout: 0.1 });
    const client = await RawClient.connect(srv.port);
    client.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc');
    const response = await client.readResponse();
    client.close();
    expect(response).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\nabc$/);
    expect(response).not.toMatch(/\r\nConnection: close\r\n/); // nothing timed out
    expect(srv.log.join('')).not.toMatch(/timed out/);
  });

  it('leaves a client waiting for its 100 Continue alone while the app is busy before reading', async () => {
    const busyThenRead: WsgiApp = async (env, startResponse) => {
      await sleep(500);
      return echoBody(env, startResponse);
    };
    const srv = await start(busyThenRead, { socketTimeout: 0.2 });
    const client = await RawClient.connect(srv.port);
    client.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nExpect: 100-continue\r\n\r\n');
    expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    client.write('abc');
    expect(await client.readResponse()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*abc$/);
    client.close();
  });

  it('leaves an app that takes longer than the timeout to answer alone (no socket operation waits)', async () => {
    const slow: WsgiApp = async (_env, startResponse) => {
      await sleep(300);
      startResponse('200 OK', []);
      return ['late'];
    };
    const srv = await start(slow, { socketTimeout: 0.1 });
    expect(await rawExchange(srv.port, 'GET / HTTP/1.0\r\n\r\n')).toMatch(/^HTTP\/1\.1 200 OK[^]*late$/);
  });

  it('none by default: an idle connection stays open', async () => {
    const srv = await start(hello);
    const client = await RawClient.connect(srv.port);
    client.write('GET / HTTP/1.1\r\n');
    expect(await client.closesWithin(400)).toBe(false);
    client.close();
  });
});
