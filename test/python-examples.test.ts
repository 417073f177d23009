// The Python programs of eventlet's WSGI documentation (examples/python/), unchanged,
// served by examples/python.ts through the standalone server.
import { describe, expect, it } from 'vitest';
import { runExample, type RunningExample } from './helpers/example.js';
import { parseResponse, waitFor } from './helpers/http.js';
import { maskDate, RawClient } from './helpers/raw.js';

async function started(target: string): Promise<{ example: RunningExample; client: RawClient }> {
  const example = runExample('python.js', [target]);
  const [, port] = await example.waitFor(/wsgi starting up on http:\/\/127\.0\.0\.1:(\d+)/);
  return { example, client: await RawClient.connect(Number(port)) };
}

describe('examples/python', () => {
  it('hello.py: hello_world answers Hello, World!', async () => {
    const { example, client } = await started('hello:hello_world');
    client.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(maskDate(await client.readResponse(10_000))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nDate: …\r\n\r\nHello, World!\r\n');
    client.close();
    expect(await example.stop()).toBe(0);
  });

  it('posthooks.py: the hook prints its arguments after the response', async () => {
    const { example, client } = await started('posthooks:hello_world');
    client.write('GET /hooked HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(parseResponse(await client.readResponse(10_000)).body).toBe('Hello, World!\r\n');
    await waitFor(() => example.stdout.includes(' arg1 arg2 3 4\n'), 'the hook', 10_000);
    expect(example.stdout).toMatch(/^Hook called: \{.*'PATH_INFO': '\/hooked'.*\} arg1 arg2 3 4\n$/);
    client.close();
    expect(await example.stop()).toBe(0);
  });

  it('hundred_continue.py: the 100 carries the headers, then the body comes back', async () => {
    const { example, client } = await started('hundred_continue:wsgi_app');
    client.write('PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 7\r\nExpect: 100-continue\r\n\r\n');
    expect(await client.readUntil('\r\n\r\n', 10_000)).toBe(
      'HTTP/1.1 100 Continue\r\nHundred-Continue-Header-1: H1\r\nHundred-Continue-Header-K: Hk\r\n\r\n');
    client.write('testing');
    expect(maskDate(await client.readResponse(10_000))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nDate: …\r\n\r\ntesting');
    client.close();
    expect(await example.stop()).toBe(0);
  });
});
