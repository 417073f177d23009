// A real Python WSGI app (test/python/apps.py, stdlib only) through @wsgi-bridge/python,
// with the raw-socket checks of the JS apps, on every front end, Hono's included.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { frontEnds, honoFrontEnd } from './helpers/front-ends.js';
import { chunkSizes, fetchRaw, logText, parseResponse, request, waitFor } from './helpers/http.js';
import { usePythonApp } from './helpers/python.js';
import { maskDate, RawClient } from './helpers/raw.js';

const CONTINUE_12 = 'HTTP/1.1 100 Continue\r\nHundred-Continue-Header-1: H1\r\nHundred-Continue-Header-2: H2\r\n';

/** The WsgiError line the core logged for a refused head. */
const refusal = (log: string): string | undefined => /WsgiError: [^\n]*/.exec(log)?.[0];

describe.each([...frontEnds, honoFrontEnd])('a Python app on the $name', (frontEnd) => {
  // @hono/node-server writes the head itself from a Response (its own Connection and
  // Keep-Alive, a HEAD's names in Headers' order), and the Fetch API has no 100 Continue.
  const fetchFramed = frontEnd === honoFrontEnd;
  const { server } = usePythonApp(frontEnd, 'apps:application', { workers: 2 });
  const get = (target: string, headers: Array<[string, string]> = []) => fetchRaw(server.port, request('GET', target, headers), 10_000);
  const count = (text: string): number => logText(server).split(text).length - 1;

  it.skipIf(fetchFramed)('frames a list body with Content-Length and an iterable one chunked, on a kept connection', async () => {
    const client = await RawClient.connect(server.port);
    client.write(request('GET', '/hello'));
    expect(frontEnd.normalize(maskDate(await client.readResponse()))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nDate: …\r\n\r\nHello, World!\r\n');
    client.write(request('GET', '/stream'));
    const streamed = parseResponse(frontEnd.normalize(await client.readResponse()));
    expect(streamed.header('Transfer-Encoding')).toBe('chunked');
    expect(chunkSizes(streamed.rawBody)).toEqual([4, 4, 5, 0]);
    expect(streamed.body).toBe('one two three');
    client.close();
  });

  it.skipIf(fetchFramed)('HEAD sends the head alone and 204 no body, the connection kept', async () => {
    const client = await RawClient.connect(server.port);
    client.write(request('HEAD', '/hello'));
    expect(frontEnd.normalize(maskDate(await client.readResponse(5000, true)))).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 15\r\nDate: …\r\n\r\n');
    client.write(request('GET', '/204'));
    const noContent = parseResponse(await client.readResponse());
    expect(noContent.status).toBe(204);
    expect(noContent.header('Content-Length')).toBeUndefined();
    expect(noContent.header('Transfer-Encoding')).toBeUndefined();
    client.write(request('GET', '/hello'));
    expect(parseResponse(await client.readResponse()).body).toBe('Hello, World!\r\n');
    client.close();
  });

  it('write() sends its bytes before the returned body', async () => {
    const response = await get('/write');
    expect(response.header('Transfer-Encoding')).toBe('chunked');
    expect(response.body).toBe('written, returned');
  });

  it("raises the core's refusal of a 100 Continue header in Python", async () => {
    expect((await get('/bad-continue-header')).body).toBe(
      'refused: invalid response headers: invalid value for 100 Continue header X-Split: ' +
      'it must be latin-1 text without CR, LF or other control characters');
  });

  it('builds a PEP 3333 environ from what the front end saw', async () => {
    const response = await fetchRaw(server.port, request('POST', '/environ?a=1&b', [
      ['X-Custom', 'custom'], ['Content-Type', 'text/plain'], ['Content-Length', '9']], 'posted it'));
    expect(JSON.parse(response.body)).toEqual({
      REQUEST_METHOD: 'POST', SCRIPT_NAME: '', PATH_INFO: '/environ', RAW_PATH_INFO: '/environ', QUERY_STRING: 'a=1&b',
      CONTENT_TYPE: 'text/plain', CONTENT_LENGTH: '9', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.1',
      HTTP_X_CUSTOM: 'custom', GATEWAY_INTERFACE: 'CGI/1.1', 'wsgi.url_scheme': 'http', 'wsgi.version': [1, 0],
      'wsgi.multithread': false, 'wsgi.multiprocess': true, 'wsgi.run_once': false,
      native: true, hooks_aliased: true, input_aliased: true, file_wrapper: true, body: 'posted it',
    });
  });

  it('decodes PATH_INFO to latin-1 code points and keeps RAW_PATH_INFO', async () => {
    // UTF-8 escapes: Fastify's router refuses a target that does not decode as UTF-8.
    const seen = JSON.parse((await get('/latin1/caf%C3%A9%20a%2Fb')).body) as Record<string, string>;
    expect(seen.PATH_INFO).toBe('/latin1/caf\u00c3\u00a9 a/b');
    expect(seen.RAW_PATH_INFO).toBe('/latin1/caf%C3%A9%20a%2Fb');
    if (frontEnd.name === 'Fastify') return;
    const latin1 = JSON.parse((await get('/latin1/caf%E9')).body) as Record<string, string>;
    expect(latin1.PATH_INFO).toBe('/latin1/caf\u00e9');
  });

  it('runs post hooks of eventlet.posthooks and evy.posthooks once each, in order, with their arguments', async () => {
    expect((await get('/hooks')).body).toBe('hooks');
    await waitFor(() => logText(server).includes('hook third'), 'the last hook', 10_000);
    const lines = logText(server).split('\n').filter((line) => line.startsWith('hook '));
    expect(lines).toEqual(["hook first (2,) {'multiplier': 3}", "hook evy ('e',) {}", 'hook third () {}']);
  });

  it('honours replaced hook lists under either key, and a raising hook is logged while the others run', async () => {
    await get('/hooks-replaced');
    await waitFor(() => logText(server).includes('hook evy-replaced'), 'the replaced evy hook', 10_000);
    expect(logText(server)).toContain("hook eventlet-replaced () {}\nhook evy-replaced () {'k': 1}\n");
    await get('/hooks-raising');
    await waitFor(() => logText(server).includes('hook survivor'), 'the surviving hook', 10_000);
    expect(logText(server)).toMatch(/Post hook 0 failed:\nTraceback[\s\S]*RuntimeError: hook exploded\n/);
  });

  it("calls the body's close() once", async () => {
    expect((await get('/close?once')).body).toBe('closing body');
    await waitFor(() => count('closed once\n') === 1, 'close()', 10_000);
    await get('/hello');
    expect(count('closed once\n')).toBe(1);
  });

  it('an exception before the head is a 500 with the traceback logged, and hooks still run', async () => {
    const response = await get('/error-before');
    expect(response.status).toBe(500);
    await waitFor(() => logText(server).includes('hook after-error'), 'the hook after the error', 10_000);
    expect(logText(server)).toMatch(/Error in the WSGI app for GET \/error-before:\nTraceback[\s\S]*ValueError: raised before the head\n/);
    // The standalone server has debug on, as eventlet: the Python traceback is the 500's body.
    if (frontEnd.name === 'standalone server') expect(response.body).toMatch(/^Traceback[\s\S]*ValueError: raised before the head$/);
  });

  it('an exception after the head aborts the response, close() once', async () => {
    const client = await RawClient.connect(server.port);
    client.write(request('GET', '/error-after?after'));
    const raw = frontEnd.normalize(await client.readToEnd(10_000));
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain('7\r\npartial\r\n');
    expect(raw).not.toContain('0\r\n\r\n');
    await waitFor(() => count('closed after\n') === 1, 'close()', 10_000);
    expect(logText(server)).toContain('ValueError: raised after the head');
  });

  for (const [route, jsApp] of [
    ['/bad-status', ((_env, startResponse) => {
      startResponse('200OK', [['Content-Type', 'text/plain']]);
      return ['never sent'];
    }) as WsgiApp],
    ['/bad-header', ((_env, startResponse) => {
      startResponse('200 OK', [['X-Split', 'a\r\nSet-Cookie: evil=1']]);
      return ['never sent'];
    }) as WsgiApp],
  ] as const) {
    it(`refuses ${route.slice(1)} with the same 500 and the same message as a JS app`, async () => {
      const before = logText(server).length;
      const response = await get(route);
      expect(response.status).toBe(500);
      expect(response.header('Set-Cookie')).toBeUndefined();
      await waitFor(() => refusal(logText(server).slice(before)) !== undefined, 'the refusal', 10_000);
      const js = await frontEnd.mount(jsApp);
      try {
        const jsResponse = await fetchRaw(js.port, request('GET', route));
        expect(jsResponse.statusLine).toBe(response.statusLine);
        await waitFor(() => refusal(logText(js)) !== undefined, "the JS app's refusal");
        expect(refusal(logText(server).slice(before))).toBe(refusal(logText(js)));
      } finally {
        await js.close();
      }
    });
  }

  it('streams a 10 MB download whole, close() once', async () => {
    const size = 10 * 1024 * 1024;
    const client = await RawClient.connect(server.port);
    client.write(request('GET', `/download?${size}`));
    const head = await client.readUntil('\r\n\r\n', 10_000);
    expect(head).toMatch(new RegExp(`\\r\\nContent-Length: ${size}\\r\\n`, 'i'));
    const body = await client.readBytes(size, 30_000);
    expect(body.length).toBe(size);
    expect(/^x+$/.test(body)).toBe(true);
    client.close();
    await waitFor(() => count(`closed ${size}\n`) === 1, 'close()', 10_000);
  });

  describe.skipIf(fetchFramed)("eventlet's test_024 bytes", () => {
    it('test_024a: no 100 for an app that answers without reading; headers on the 100 it sends', async () => {
      const refused = await RawClient.connect(server.port);
      refused.write('PUT /024a HTTP/1.1\r\nHost: localhost\r\nContent-length: 1025\r\nExpect: 100-continue\r\n\r\n');
      expect(frontEnd.normalize(maskDate(await refused.readToEnd(10_000)))).toBe(
        'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 7\r\nDate: …\r\nConnection: close\r\n\r\nfailure');
      const client = await RawClient.connect(server.port);
      client.write('PUT /024a HTTP/1.1\r\nHost: localhost\r\nContent-length: 7\r\nExpect: 100-continue\r\n\r\ntesting');
      expect(await client.readUntil('\r\n\r\n', 10_000)).toBe(`${CONTINUE_12}Hundred-Continue-Header-K: Hk\r\n\r\n`);
      expect(frontEnd.normalize(maskDate(await client.readResponse(10_000)))).toBe(
        'HTTP/1.1 200 OK\r\nContent-Length: 7\r\nDate: …\r\n\r\ntesting');
      client.close();
    });

    for (const { name, route, framing, first, second } of [
      {
        name: 'test_024b: a second 100 starts a second chunked body',
        route: '/024b',
        framing: 'Transfer-Encoding: chunked',
        first: '5\r\nfirst\r\n8\r\n message\r\n0\r\n\r\n',
        second: '8\r\n, second\r\n8\r\n message\r\n0\r\n\r\n',
      },
      {
        name: 'test_024c: a second 100 goes on in the same Content-Length body',
        route: '/024c',
        framing: 'Content-Length: 29',
        first: 'first message',
        second: ', second message\r\n',
      },
    ]) {
      it(name, async () => {
        const client = await RawClient.connect(server.port);
        client.write(`PUT ${route} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${framing}\r\nExpect: 100-continue\r\n\r\n`);
        expect(await client.readUntil('\r\n\r\n', 10_000)).toBe(`${CONTINUE_12}\r\n`);
        client.write(first);
        expect(await client.readUntil('\r\n\r\n', 10_000)).toBe('HTTP/1.1 100 Continue\r\nHundred-Continue-Header-3: H3\r\n\r\n');
        client.write(second);
        expect(frontEnd.normalize(maskDate(await client.readToEnd(10_000)))).toBe(
          'HTTP/1.1 200 OK\r\nContent-Length: 29\r\nDate: …\r\nConnection: close\r\n\r\nfirst message, second message');
      });
    }
  });
});

describe.each([...frontEnds, honoFrontEnd])('wsgi.input of a Python app on the $name, streamed ahead of its reads', (frontEnd) => {
  const { server } = usePythonApp(frontEnd, 'apps:application', { workers: 2 });
  const get = (target: string) => fetchRaw(server.port, request('GET', target), 10_000);
  const count = (text: string): number => logText(server).split(text).length - 1;

  it('answers a line while the client holds back the rest of its body', async () => {
    const client = await RawClient.connect(server.port);
    client.write(request('POST', '/echo-line', [['Transfer-Encoding', 'chunked']], 'f\r\nfirst line\nmore\r\n'));
    expect(parseResponse(await client.readResponse(10_000)).body).toBe('first line\n');
    client.close();
  });

  it('an app that reads part of a body leaves the connection ready for the next request', async () => {
    const client = await RawClient.connect(server.port);
    const body = '0123456789'.repeat(200_000);
    client.write(request('POST', '/read-some?12', [['Content-Length', String(body.length)]], body));
    expect(parseResponse(await client.readResponse(10_000)).body).toBe('012345678901');
    client.write(request('GET', '/hello'));
    expect(parseResponse(await client.readResponse(10_000)).body).toBe('Hello, World!\r\n');
    client.close();
  });

  // 3.5 MiB, more than the window of body Node sends ahead, with a 1.5 MiB line in it.
  const lines = ['short\n', `${'y'.repeat(1_500_000)}\n`, ...Array.from({ length: 40_000 }, (_, i) => `line ${i} ${'z'.repeat(i % 90)}\n`), 'no newline'];
  const bigBody = lines.join('');
  const sha256 = createHash('sha256').update(bigBody, 'latin1').digest('hex');
  for (const [how, parts] of [['all', 1], ['one-read', 1], ['lines', lines.length], ['readline-4096', 0]] as const) {
    it(`a body larger than that window arrives whole, read by ${how}`, async () => {
      const response = await fetchRaw(server.port, request('POST', `/digest?${how}`, [['Content-Length', String(bigBody.length)]], bigBody), 30_000);
      const answer = JSON.parse(response.body) as { size: number; parts: number; sha256: string };
      expect(answer.size).toBe(bigBody.length);
      expect(answer.sha256).toBe(sha256);
      if (parts > 0) expect(answer.parts).toBe(parts);
      else expect(answer.parts).toBeGreaterThan(lines.length); // the long line came in 4096-byte pieces
    });
  }

  it('a body cut short raises OSError in Python, and the worker goes on serving', async () => {
    const [reading, failed] = [count('cut short: reading'), count('cut short: FrontEndError: ')];
    const client = await RawClient.connect(server.port);
    client.write(request('POST', '/cut-short', [['Content-Length', '1048576']], 'x'.repeat(100_000)));
    await waitFor(() => count('cut short: reading') > reading, 'the app to read', 10_000);
    client.close();
    await waitFor(() => count('cut short: FrontEndError: ') > failed, 'the app to see the body fail', 10_000);
    expect(logText(server)).not.toMatch(/cut short: no error/);
    expect((await get('/hello')).body).toBe('Hello, World!\r\n');
  });
});
