// examples/hono.ts, the README's Hono example, run as a user runs it: native route, the
// WSGI mount with SCRIPT_NAME, a body streamed back line by line, an app error, then a stop.
import { describe, expect, it } from 'vitest';
import { runExample } from './helpers/example.js';
import { chunked, parseResponse, request } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

describe('examples/hono.ts', () => {
  it('serves Hono and the WSGI app side by side, then stops on SIGTERM', { timeout: 20_000 }, async () => {
    const example = runExample('hono.js');
    try {
      const [, port] = await example.waitFor(/on http:\/\/127\.0\.0\.1:(\d+)\//);
      const client = await RawClient.connect(Number(port));
      try {
        client.write(request('GET', '/'));
        expect(parseResponse(await client.readResponse()).body).toBe('Hello from Hono\n');
        client.write(request('GET', '/legacy/some/path?q=1'));
        expect(parseResponse(await client.readResponse()).body).toBe('SCRIPT_NAME=/legacy PATH_INFO=/some/path QUERY_STRING=q=1 REMOTE_ADDR=127.0.0.1\n');
        client.write(request('POST', '/legacy/shout', [['Transfer-Encoding', 'chunked']], chunked('one\n', 'two\n')));
        expect(parseResponse(await client.readResponse()).body).toBe('ONE\nTWO\n');
        client.write(request('GET', '/legacy/fail'));
        expect(parseResponse(await client.readResponse()).status).toBe(500);
      } finally {
        client.close();
      }
      expect(example.stderr).toContain('the legacy handler failed');
    } finally {
      expect(await example.stop()).toBe(0);
    }
  });
});
