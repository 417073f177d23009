import { describe, expect, it } from 'vitest';
import { listen, server } from '@wsgi-bridge/server';
import { RawClient } from './helpers/raw.js';
import { serve } from './helpers/serve.js';

const hello = (_env: unknown, startResponse: (s: string, h: Array<[string, string]>) => unknown): string[] => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
};

describe('headersTimeout (a slowloris guard; not an eventlet option)', () => {
  it('cuts off a client trickling its headers a byte at a time, while others are served', async () => {
    const srv = await serve(hello, { headersTimeout: 0.5, socketTimeout: 5 });
    try {
      await slowlorisIsCut(srv.port);
    } finally {
      await srv.close();
    }
  });

  it('is checked at start: zero, negative or not a number is refused', () => {
    for (const bad of [0, -1, Number.NaN]) {
      const sock = listen(['127.0.0.1', 0]);
      expect(() => server(sock, hello, { headersTimeout: bad })).toThrow(/headersTimeout must be a positive number/);
      sock.close();
    }
  });
});

async function slowlorisIsCut(port: number): Promise<void> {
  const slow = await RawClient.connect(port);
  const started = performance.now();
  const head = `GET / HTTP/1.1\r\nHost: slow\r\nX-Slow: ${'z'.repeat(100)}\r\n\r\n`;
  let sent = 0;
  const trickle = setInterval(() => {
    if (slow.closed || sent >= head.length) return clearInterval(trickle);
    slow.write(head[sent++]!); // each byte restarts socketTimeout; only headersTimeout ends this
  }, 50);
  const fast = await RawClient.connect(port);
  fast.write('GET / HTTP/1.1\r\nHost: fast\r\n\r\n');
  expect(await fast.readResponse()).toMatch(/\r\n\r\nok$/);
  fast.close();
  expect(await slow.closesWithin(2000)).toBe(true); // 0.5 s, and room for a busy machine
  clearInterval(trickle);
  const elapsed = performance.now() - started;
  expect(elapsed).toBeGreaterThan(450);
  expect(sent).toBeLessThan(head.length); // cut off before it finished its headers
}
