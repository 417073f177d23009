// Graceful stop: closing the socket stops accepting, closes idle connections, lets requests in
// flight finish with Connection: close, then server() resolves. The examples stop so on SIGTERM.
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/server';
import { runExample } from './helpers/example.js';
import { gate } from './helpers/serve-each.js';
import { RawClient } from './helpers/raw.js';
import { serve } from './helpers/serve.js';

const hello: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', []);
  return ['hello'];
};

describe('closing the socket', () => {
  it('closes idle keep-alive connections, and connections that never sent a request', async () => {
    const srv = await serve(hello);
    const used = await RawClient.connect(srv.port);
    used.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await used.readResponse();
    const silent = await RawClient.connect(srv.port);
    await srv.close();
    expect(await used.closesWithin(1000)).toBe(true);
    expect(await silent.closesWithin(1000)).toBe(true);
  });

  it('stops accepting at once, lets a request in flight finish with Connection: close, then resolves', async () => {
    const held = gate();
    const entered = gate();
    const slow: WsgiApp = async (_env, startResponse) => {
      entered.open();
      await held.wait;
      startResponse('200 OK', []);
      return ['finished'];
    };
    const srv = await serve(slow);
    const client = await RawClient.connect(srv.port);
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    await entered.wait;
    let resolved = false;
    const closed = srv.close().then(() => {
      resolved = true;
    });
    await expect(RawClient.connect(srv.port)).rejects.toThrow(/ECONNREFUSED/);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(resolved).toBe(false);
    held.open();
    const response = await client.readToEnd();
    expect(response).toMatch(/\r\nConnection: close\r\n[^]*finished$/);
    await closed;
    expect(srv.log.at(-1)).toBe(`(${process.pid}) wsgi exited, is_accepting=True\n`);
  });

  it('a response that said keep-alive before the stop completes, then its connection closes', async () => {
    const held = gate();
    const streaming: WsgiApp = async function* (_env, startResponse) {
      startResponse('200 OK', []);
      yield 'first ';
      await held.wait;
      yield 'last';
    };
    const srv = await serve(streaming, { minimumChunkSize: 1 });
    const client = await RawClient.connect(srv.port);
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await client.readUntil('first \r\n')).not.toContain('Connection:');
    const closed = srv.close();
    held.open();
    expect(await client.readToEnd()).toBe('4\r\nlast\r\n0\r\n\r\n');
    await closed;
  });
});

describe('the examples', () => {
  it.each([
    ['hello.js', ''],
    ['posthooks.js', 'Hook called: GET / arg1 arg2 3 4\n'],
  ])('%s serves, then stops gracefully on SIGTERM', { timeout: 10_000 }, async (name, printed) => {
    const example = runExample(name);
    const [, port] = await example.waitFor(/wsgi starting up on http:\/\/127\.0\.0\.1:(\d+)/);
    const client = await RawClient.connect(Number(port));
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await client.readResponse()).toMatch(/Hello, World!\r\n$/);
    expect(await example.stop()).toBe(0);
    expect(await client.closesWithin(1000)).toBe(true);
    expect(example.stderr).toContain('wsgi exited, is_accepting=True');
    expect(example.stdout).toBe(printed);
  });
});
