import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { curl, curlWaitedFor100, uploadFile } from './helpers/curl.js';
import { frontEnds, type Mounted } from './helpers/front-ends.js';
import { maskDate, RawClient } from './helpers/raw.js';

// The apps of eventlet's tests/wsgi_test.py test_024*, ported line by line.
const app024a: WsgiApp = async (env, startResponse) => {
  if (Number(env.CONTENT_LENGTH) > 1024) {
    startResponse('417 Expectation Failed', [['Content-Length', '7']]);
    return ['failure'];
  }
  env['wsgi.input'].set_hundred_continue_response_headers([
    ['Hundred-Continue-Header-1', 'H1'],
    ['Hundred-Continue-Header-2', 'H2'],
    ['Hundred-Continue-Header-k', 'Hk'],
  ]);
  const text = await env['wsgi.input'].read();
  startResponse('200 OK', [['Content-Length', String(text.length)]]);
  return [text];
};

/** test_024b (read() twice) and test_024c (read(13), then read(16)). */
const app024bc = (first?: number, second?: number): WsgiApp => async (env, startResponse) => {
  const input = env['wsgi.input'];
  input.set_hundred_continue_response_headers([['Hundred-Continue-Header-1', 'H1'], ['Hundred-Continue-Header-2', 'H2']]);
  const one = await input.read(first);
  input.set_hundred_continue_response_headers([['Hundred-Continue-Header-3', 'H3']]);
  input.send_hundred_continue_response();
  const two = await input.read(second);
  const text = Buffer.concat([one, two]);
  startResponse('200 OK', [['Content-Length', String(text.length)]]);
  return [text];
};

/** test_024d: the response starts before the body is read, so no 100 may follow. */
const app024d: WsgiApp = (env: Environ, startResponse) => {
  env['eventlet.minimum_write_chunk_size'] = 0;
  startResponse('202 Accepted', []);
  return (async function* () {
    yield ' ';
    yield await env['wsgi.input'].read();
  })();
};

const echo: WsgiApp = async (env, startResponse) => {
  const body = await env['wsgi.input'].read();
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return [String(body.length)];
};

const CONTINUE_12 = 'HTTP/1.1 100 Continue\r\nHundred-Continue-Header-1: H1\r\nHundred-Continue-Header-2: H2\r\n';

describe.each(frontEnds)('100 Continue on the $name', (frontEnd) => {
  const open: Mounted[] = [];
  const mount = async (app: WsgiApp): Promise<Mounted> => {
    const mounted = await frontEnd.mount(app);
    open.push(mounted);
    return mounted;
  };
  afterAll(async () => {
    await Promise.all(open.map((m) => m.close()));
  });

  it('test_024a: no 100 for an app that answers without reading, then close; headers on a 100 after', async () => {
    const { port } = await mount(app024a);
    const refused = await RawClient.connect(port);
    refused.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 1025\r\nExpect: 100-continue\r\n\r\n');
    expect(frontEnd.normalize(maskDate(await refused.readToEnd()))).toBe(
      'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 7\r\nDate: …\r\nConnection: close\r\n\r\nfailure');

    const client = await RawClient.connect(port);
    client.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 7\r\nExpect: 100-continue\r\n\r\ntesting');
    expect(await client.readUntil('\r\n\r\n')).toBe(`${CONTINUE_12}Hundred-Continue-Header-K: Hk\r\n\r\n`);
    expect(frontEnd.normalize(maskDate(await client.readResponse()))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nDate: …\r\n\r\ntesting');
    // kept alive: the same connection serves another request
    client.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 2\r\n\r\nok');
    expect(frontEnd.normalize(maskDate(await client.readResponse()))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nDate: …\r\n\r\nok');
    client.close();
  });

  for (const { name, app, framing, first, second } of [
    {
      name: 'test_024b: a second 100 starts a second chunked body',
      app: app024bc(),
      framing: 'Transfer-Encoding: chunked',
      first: '5\r\nfirst\r\n8\r\n message\r\n0\r\n\r\n',
      second: '8\r\n, second\r\n8\r\n message\r\n0\r\n\r\n',
    },
    {
      name: 'test_024c: a second 100 goes on in the same Content-Length body',
      app: app024bc(13, 16),
      framing: 'Content-Length: 29',
      first: 'first message',
      second: ', second message\r\n',
    },
  ]) {
    it(name, async () => {
      const { port } = await mount(app);
      const client = await RawClient.connect(port);
      client.write(`PUT /a HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n${framing}\r\nExpect: 100-continue\r\n\r\n`);
      expect(await client.readUntil('\r\n\r\n')).toBe(`${CONTINUE_12}\r\n`);
      client.write(first);
      expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\nHundred-Continue-Header-3: H3\r\n\r\n');
      client.write(second);
      expect(frontEnd.normalize(maskDate(await client.readToEnd()))).toBe(
        'HTTP/1.1 200 OK\r\nContent-Length: 29\r\nDate: …\r\nConnection: close\r\n\r\nfirst message, second message');
    });
  }

  it('test_024d: once the response has started, reading sends no 100', async () => {
    const { port } = await mount(app024d);
    const client = await RawClient.connect(port);
    client.write('PUT /a HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\nExpect: 100-continue\r\n\r\n');
    const [head, first] = frontEnd.normalize(maskDate(await client.readUntil('1\r\n \r\n'))).split('\r\n\r\n');
    // Byte for byte but the order of the headers, which Node sets for the frameworks. The
    // connection closes after: the client was still waiting for a 100 it never got.
    const [status, ...headers] = head!.split('\r\n');
    expect(status).toBe('HTTP/1.1 202 Accepted');
    expect(headers.sort()).toEqual(['Connection: close', 'Date: …', 'Transfer-Encoding: chunked']);
    expect(first).toBe('1\r\n \r\n');
    client.write('4\r\nbody\r\n0\r\n\r\n');
    expect(await client.readUntil('0\r\n\r\n')).toBe('4\r\nbody\r\n0\r\n\r\n');
    client.close();
  });

  it('test_024: any case of 100-continue, pipelined requests, 417 closes', async () => {
    const { port } = await mount(app024a);
    const client = await RawClient.connect(port);
    client.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 7\r\nExpect: 100-Continue\r\n\r\ntesting' +
      'PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 7\r\nExpect: 100-continue\r\n\r\ntesting');
    for (let i = 0; i < 2; i++) {
      expect(await client.readUntil('\r\n\r\n')).toBe(`${CONTINUE_12}Hundred-Continue-Header-K: Hk\r\n\r\n`);
      expect(frontEnd.normalize(maskDate(await client.readResponse()))).toBe('HTTP/1.1 200 OK\r\nContent-Length: 7\r\nDate: …\r\n\r\ntesting');
    }
    client.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-length: 1025\r\nExpect: 100-continue\r\n\r\n');
    expect(frontEnd.normalize(maskDate(await client.readToEnd()))).toBe(
      'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 7\r\nDate: …\r\nConnection: close\r\n\r\nfailure');
  });

  it('refuses 100 Continue headers with CR or LF, and any other Expect gets 417', async () => {
    const { port, log } = await mount(async (env, startResponse) => {
      env['wsgi.input'].set_hundred_continue_response_headers([['X-Split', 'a\r\nSet-Cookie: evil=1']]);
      startResponse('200 OK', []);
      return [await env['wsgi.input'].read()];
    });
    const client = await RawClient.connect(port);
    client.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n');
    // As a real client: send the body if a (plain) 100 comes. Express's error handler
    // reads the body before it answers; the standalone server answers at once and closes.
    let response = await client.readUntil('\r\n\r\n');
    if (response === 'HTTP/1.1 100 Continue\r\n\r\n') {
      client.write('hi');
      response = await client.readResponse();
    }
    expect(response).toMatch(/^HTTP\/1\.1 500 /);
    expect(response).not.toContain('evil');
    expect(log.join('')).toContain('invalid value for 100 Continue header X-Split');

    const other = await RawClient.connect(port);
    other.write('PUT / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 2\r\nExpect: something-else\r\n\r\nhi');
    expect(await other.readResponse()).toMatch(/^HTTP\/1\.1 417 Expectation Failed\r\n/);
    other.close();
  });

  describe('curl PUTting 10 MB', () => {
    let file: ReturnType<typeof uploadFile>;
    beforeAll(() => {
      file = uploadFile(10 * 1024 * 1024);
    });
    afterAll(() => file.remove());

    it('gets its 100 at once (curl waits up to 1 s without one)', async () => {
      const { port } = await mount(echo);
      const run = await curl(['-sv', '-T', file.path, `http://127.0.0.1:${port}/upload`]);
      expect(run.stdout).toBe(String(10 * 1024 * 1024));
      expect(run.stderr).toContain('< HTTP/1.1 100 Continue');
      expect(curlWaitedFor100(run)).toBe(false);
    });
  });
});
