// A client that leaves while an async app is still deciding, before its body begins: the
// body's first chunks then find the response closed, and must not wait for a 'close' or
// 'drain' that has already come (the Python bridge's apps are all async).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { frontEnds, type Mounted } from './helpers/front-ends.js';
import { deferred, request, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

const BLOCK = Buffer.alloc(1 << 20, 0x61);

describe.each(frontEnds)('a body that begins after the client left, on the $name', (frontEnd) => {
  let left = deferred();
  let closes = 0;
  let hooks = 0;
  const app: WsgiApp = async (environ, startResponse) => {
    environ['eventlet.posthooks'].push([() => void (hooks += 1)]);
    await left.promise;
    await new Promise((resolve) => setTimeout(resolve, 50)); // the server has seen the close by now
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return Object.assign((async function* () {
      for (;;) yield BLOCK;
    })(), { close: () => void (closes += 1) });
  };
  let server: Mounted;
  beforeAll(async () => {
    server = await frontEnd.mount(app);
  });
  afterAll(() => server.close());

  it('is closed once and its hooks run, the app not left waiting', async () => {
    left = deferred();
    closes = 0;
    hooks = 0;
    const client = await RawClient.connect(server.port);
    client.write(request('GET', '/'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.close();
    left.resolve();
    await waitFor(() => closes === 1 && hooks === 1, 'close() and the hook', 5000);
    await new Promise((resolve) => setTimeout(resolve, 100)); // room for a second call, were there one
    expect([closes, hooks]).toEqual([1, 1]);
  });
});
