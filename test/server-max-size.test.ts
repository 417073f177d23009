// maxSize: connections past it wait, accepted, and are served when a slot frees; never refused.
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/server';
import { RawClient } from './helpers/raw.js';
import { serveEach } from './helpers/serve-each.js';

const start = serveEach();

const hello: WsgiApp = (env, startResponse) => {
  startResponse('200 OK', []);
  return [`hello ${env.PATH_INFO}`];
};

describe('maxSize', () => {
  it('holds connections past the limit until a served one closes', async () => {
    const { port } = await start(hello, { maxSize: 2 });
    const first = await RawClient.connect(port);
    const second = await RawClient.connect(port);
    first.write('GET /1 HTTP/1.1\r\nHost: x\r\n\r\n');
    second.write('GET /2 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await first.readResponse()).toMatch(/hello \/1$/);
    expect(await second.readResponse()).toMatch(/hello \/2$/);

    const third = await RawClient.connect(port); // accepted, not refused
    third.write('GET /3 HTTP/1.1\r\nHost: x\r\n\r\n');
    await expect(third.readUntil('\r\n\r\n', 300)).rejects.toThrow(/timed out/);
    expect(third.closed).toBe(false);

    first.close(); // a slot frees: the waiting connection is served, its early bytes intact
    expect(await third.readResponse()).toMatch(/^HTTP\/1\.1 200 OK[^]*hello \/3$/);
    second.close();
    third.close();
  });

  it('drops a waiting connection whose client gives up, and serves the next one', async () => {
    const { port } = await start(hello, { maxSize: 1 });
    const busy = await RawClient.connect(port);
    busy.write('GET /busy HTTP/1.1\r\nHost: x\r\n\r\n');
    await busy.readResponse();
    const quitter = await RawClient.connect(port);
    quitter.write('GET /quit HTTP/1.1\r\nHost: x\r\n\r\n');
    const waiter = await RawClient.connect(port);
    waiter.write('GET /wait HTTP/1.1\r\nHost: x\r\n\r\n');
    quitter.socket.resetAndDestroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    busy.close();
    expect(await waiter.readResponse()).toMatch(/hello \/wait$/);
    waiter.close();
  });
});
