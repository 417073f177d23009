// A stopping server does not lose the request a keep-alive client sent just as the stop
// began: an idle connection gets a short grace, and a request arriving in it is answered
// with Connection: close. (Rolling restarts under load depend on it.)
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/server';
import { RawClient } from './helpers/raw.js';
import { serve } from './helpers/serve.js';

const hello: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};

const REQUEST = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

describe('stopping with idle keep-alive connections', () => {
  it('answers a request sent on an idle connection right after the stop, with Connection: close, then closes', async () => {
    const srv = await serve(hello);
    const client = await RawClient.connect(srv.port);
    client.write(REQUEST);
    expect(await client.readResponse()).not.toMatch(/Connection: close/i);
    const stopped = srv.close();
    client.write(REQUEST);
    const second = await client.readToEnd();
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(second).toMatch(/\r\nConnection: close\r\n/);
    expect(second.endsWith('hello')).toBe(true);
    await stopped;
  });

  it('answers the first request of a connection opened just before the stop', async () => {
    const srv = await serve(hello);
    const client = await RawClient.connect(srv.port);
    const stopped = srv.close();
    client.write(REQUEST);
    const answer = await client.readToEnd();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\nConnection: close\r\n/);
    await stopped;
  });
});
