// wsgiPlugin's routing and request side: where requests go, what the environ says,
// which bodies reach wsgi.input untouched, and that Fastify's own routes keep their parsers.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Environ, type StartResponse, type WsgiApp } from '@wsgi-bridge/core';
import { deferContinue } from '@wsgi-bridge/core/adapter';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { fetchRaw, parseResponse, request, type ParsedResponse } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

/** What an app saw of a request, as its JSON answer says. */
interface Seen {
  app: string;
  method: string;
  scriptName: string;
  pathInfo: string;
  rawPathInfo: string;
  query: string;
  contentType: string | null;
  contentLength: string | null;
  remote: string;
  extra: unknown;
  body: string;
}

/** An app that answers with what it saw, named so that two mounts can be told apart. */
function reporter(name: string): WsgiApp {
  return async (environ: Environ, startResponse: StartResponse) => {
    const seen: Seen = {
      app: name,
      method: environ.REQUEST_METHOD,
      scriptName: environ.SCRIPT_NAME,
      pathInfo: environ.PATH_INFO,
      rawPathInfo: environ.RAW_PATH_INFO,
      query: environ.QUERY_STRING,
      contentType: environ.CONTENT_TYPE ?? null,
      contentLength: environ.CONTENT_LENGTH ?? null,
      remote: `${environ.REMOTE_ADDR}|${environ.REMOTE_PORT}|${environ.SERVER_PORT}`,
      extra: environ['test.extra'] ?? null,
      body: (await environ['wsgi.input'].read()).toString('latin1'),
    };
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(seen)];
  };
}

async function injectSeen(fastify: FastifyInstance, url: string): Promise<Seen> {
  const res = await fastify.inject({ url });
  expect(res.statusCode).toBe(200);
  return res.json<Seen>();
}

/** The app's JSON answer in a raw response (read as latin-1 off the wire; the JSON is UTF-8). */
const seenIn = (res: ParsedResponse): Seen => JSON.parse(Buffer.from(res.body, 'latin1').toString('utf8')) as Seen;

async function listening(fastify: FastifyInstance): Promise<number> {
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return (fastify.server.address() as AddressInfo).port;
}

describe('wsgiPlugin: prefixes, SCRIPT_NAME and PATH_INFO (inject)', () => {
  const fastify = Fastify();
  beforeAll(async () => {
    await fastify.register(wsgiPlugin, { app: reporter('legacy'), prefix: '/legacy' });
    await fastify.register(
      async (api) => {
        await api.register(wsgiPlugin, { app: reporter('nested'), prefix: '/old' });
      },
      { prefix: '/api' },
    );
    await fastify.register(wsgiPlugin, { app: reporter('slashed'), prefix: '/slashed/' });
  });
  afterAll(() => fastify.close());

  it.each([
    ['/legacy', '', ''],
    ['/legacy/', '/', ''],
    ['/legacy?only=query', '', 'only=query'],
    ['/legacy/a/b?x=1&y=%20', '/a/b', 'x=1&y=%20'],
    ['/legacy/a/b/', '/a/b/', ''],
  ])('%s → SCRIPT_NAME /legacy, PATH_INFO %j, QUERY_STRING %j', async (url, pathInfo, query) => {
    const seen = await injectSeen(fastify, url);
    expect(seen).toMatchObject({ app: 'legacy', scriptName: '/legacy', pathInfo, query });
  });

  it('PATH_INFO is percent-decoded to latin-1; RAW_PATH_INFO keeps what was sent', async () => {
    const seen = await injectSeen(fastify, '/legacy/caf%C3%A9/a%2Fb');
    expect(seen.pathInfo).toBe('/caf\u00c3\u00a9/a/b');
    expect(seen.rawPathInfo).toBe('/caf%C3%A9/a%2Fb');
  });

  it('a prefix the router matched through percent-encoding still ends SCRIPT_NAME', async () => {
    const seen = await injectSeen(fastify, '/leg%61cy/z');
    expect(seen).toMatchObject({ scriptName: '/legacy', pathInfo: '/z' });
  });

  it('an enclosing plugin prefix is part of SCRIPT_NAME', async () => {
    const seen = await injectSeen(fastify, '/api/old/thing');
    expect(seen).toMatchObject({ app: 'nested', scriptName: '/api/old', pathInfo: '/thing' });
  });

  it('a prefix with a trailing slash is routed as Fastify routes it; SCRIPT_NAME drops the slash', async () => {
    expect(await injectSeen(fastify, '/slashed/x')).toMatchObject({ app: 'slashed', scriptName: '/slashed', pathInfo: '/x' });
    expect(await injectSeen(fastify, '/slashed/')).toMatchObject({ app: 'slashed', scriptName: '/slashed', pathInfo: '/' });
    expect((await fastify.inject({ url: '/slashed' })).statusCode).toBe(404);
  });

  it('a path that only starts with the prefix is not the app\'s', async () => {
    const res = await fastify.inject({ url: '/legacyish' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ message: 'Route GET:/legacyish not found' });
  });

  it('under inject the fake socket gives REMOTE_ADDR and empty ports', async () => {
    expect((await injectSeen(fastify, '/legacy')).remote).toBe('127.0.0.1||');
  });
});

describe('wsgiPlugin without a prefix, on a case-insensitive router', () => {
  const fastify = Fastify({ routerOptions: { caseSensitive: false } });
  beforeAll(() => fastify.register(wsgiPlugin, { app: reporter('root') }));
  afterAll(() => fastify.close());

  it('takes every path, with SCRIPT_NAME empty', async () => {
    expect(await injectSeen(fastify, '/')).toMatchObject({ scriptName: '', pathInfo: '/', query: '' });
    expect(await injectSeen(fastify, '/deep/er?q')).toMatchObject({ scriptName: '', pathInfo: '/deep/er', query: 'q' });
  });

  it('a prefix matched in another case, or across doubled slashes, is SCRIPT_NAME as the client wrote it', async () => {
    const lenient = Fastify({ routerOptions: { caseSensitive: false, ignoreDuplicateSlashes: true } });
    await lenient.register(wsgiPlugin, { app: reporter('lenient'), prefix: '/Legacy' });
    expect(await injectSeen(lenient, '/LEGACY/Path')).toMatchObject({ scriptName: '/LEGACY', pathInfo: '/Path' });
    expect(await injectSeen(lenient, '//legacy//x?q')).toMatchObject({ scriptName: '//legacy', pathInfo: '//x', query: 'q' });
    await lenient.close();
  });
});

describe('wsgiPlugin beside native routes (real sockets)', () => {
  const fastify = Fastify();
  const extras = { 'test.extra': 'one' };
  let port = 0;
  beforeAll(async () => {
    fastify.post('/native/before', async (req) => ({ parsed: req.body }));
    await fastify.register(wsgiPlugin, { app: reporter('one'), prefix: '/one', environ: extras });
    await fastify.register(wsgiPlugin, { app: reporter('two'), prefix: '/two' });
    fastify.post('/native/after', async (req) => ({ parsed: req.body }));
    fastify.put('/native/text', async (req) => `text:${String(req.body)}`);
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());

  const post = (path: string, type: string, body: string, method = 'POST') =>
    fetchRaw(port, request(method, path, [['Content-Type', type], ['Content-Length', String(body.length)]], body));

  it.each(['/native/before', '/native/after'])('%s still parses JSON, whatever the registration order', async (path) => {
    const res = await post(path, 'application/json', '{"a":[1,2]}');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ parsed: { a: [1, 2] } });
  });

  it('a native text/plain route keeps its parser too', async () => {
    const res = await post('/native/text', 'text/plain', 'hello', 'PUT');
    expect(res.body).toBe('text:hello');
  });

  it('inside the mount no parser runs: JSON and unknown types reach wsgi.input byte for byte', async () => {
    for (const type of ['application/json', 'application/x-made-up', 'text/plain; charset=latin1']) {
      const body = type === 'application/json' ? '{"not": parsed}' : 'raw \u00e9 bytes';
      const res = await post('/one/upload?x=1', type, body);
      expect(res.status).toBe(200);
      const seen = seenIn(res);
      expect(seen).toMatchObject({ app: 'one', pathInfo: '/upload', query: 'x=1', contentType: type, body });
      expect(seen.contentLength).toBe(String(body.length));
    }
  });

  it('a body without Content-Type (chunked) reaches the app', async () => {
    const res = await fetchRaw(port, request('POST', '/two/c', [['Transfer-Encoding', 'chunked']], '3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n'));
    expect(seenIn(res)).toMatchObject({ app: 'two', contentType: null, body: 'abcde' });
  });

  it('two registrations keep their own apps, prefixes and options', async () => {
    const one = seenIn(await fetchRaw(port, request('GET', '/one/x')));
    const two = seenIn(await fetchRaw(port, request('GET', '/two/y')));
    expect(one).toMatchObject({ app: 'one', scriptName: '/one', pathInfo: '/x', extra: 'one' });
    expect(two).toMatchObject({ app: 'two', scriptName: '/two', pathInfo: '/y', extra: null });
  });

  it('the environ has the real socket\'s addresses', async () => {
    const seen = seenIn(await fetchRaw(port, request('GET', '/one')));
    const [addr, remotePort, serverPort] = seen.remote.split('|');
    expect(addr).toBe('127.0.0.1');
    expect(Number(remotePort)).toBeGreaterThan(0);
    expect(serverPort).toBe(String(port));
  });

  // Every method Fastify routes; HEAD (no response body) has tests of its own.
  it.each(fastify.supportedMethods.filter((method) => method !== 'HEAD'))(
    '%s with a body and a query string reaches the app',
    async (method) => {
      const res = await post('/one/m?method=' + method, 'text/plain', `body of ${method}`, method);
      expect(res.status).toBe(200);
      expect(seenIn(res)).toMatchObject({ method, pathInfo: '/m', query: `method=${method}`, body: `body of ${method}` });
    },
  );

  it('every method Fastify supports is routed to the app, at the prefix and under it', () => {
    expect(fastify.supportedMethods).toContain('HEAD');
    for (const method of fastify.supportedMethods) {
      for (const url of ['/one', '/one/', '/one/*']) expect(fastify.hasRoute({ method, url })).toBe(true);
    }
  });
});

describe('wsgiPlugin response heads (real sockets)', () => {
  const fastify = Fastify();
  let port = 0;
  const app: WsgiApp = (environ, startResponse) => {
    switch (environ.PATH_INFO) {
      case '/cookies':
        startResponse('200 OK', [
          ['Content-Type', 'text/plain'],
          ['Set-Cookie', 'a=1'],
          ['X-Repeat', 'first'],
          ['Set-Cookie', 'b=2; HttpOnly'],
          ['X-Repeat', 'second'],
        ]);
        return ['ok'];
      case '/reason':
        startResponse('299 Quite Fine', [['Content-Type', 'text/plain']]);
        return ['custom'];
      case '/json':
        startResponse('200 OK', [['Content-Type', 'application/json']]);
        return ['{"as":"sent"}'];
      case '/untyped':
        startResponse('200 OK', []);
        return ['bytes'];
      case '/stream':
        startResponse('200 OK', [['Content-Type', 'text/plain']]);
        return (async function* () {
          yield 'streamed ';
          yield 'body';
        })();
      default:
        startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
        return ['missing'];
    }
  };
  beforeAll(async () => {
    await fastify.register(wsgiPlugin, { app, minimumChunkSize: 0 });
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());

  it('repeated headers all go out (Set-Cookie included), grouped at the first place of their name', async () => {
    const res = await fetchRaw(port, request('GET', '/cookies'));
    expect(res.headers.filter(([name]) => name === 'set-cookie').map(([, v]) => v)).toEqual(['a=1', 'b=2; HttpOnly']);
    expect(res.headers.filter(([name]) => name === 'x-repeat').map(([, v]) => v)).toEqual(['first', 'second']);
    const names = res.headers.map(([name]) => name);
    expect(names.slice(0, 5)).toEqual(['content-type', 'set-cookie', 'set-cookie', 'x-repeat', 'x-repeat']);
  });

  it("the app's reason phrase is on the status line", async () => {
    expect((await fetchRaw(port, request('GET', '/reason'))).statusLine).toBe('HTTP/1.1 299 Quite Fine');
    expect((await fetchRaw(port, request('GET', '/elsewhere'))).statusLine).toBe('HTTP/1.1 404 Not Found');
  });

  it("the app's Content-Type is sent as it is; Fastify supplies one only when the app gave none", async () => {
    const json = await fetchRaw(port, request('GET', '/json'));
    expect(json.header('content-type')).toBe('application/json');
    expect(json.body).toBe('{"as":"sent"}');
    expect((await fetchRaw(port, request('GET', '/untyped'))).header('content-type')).toBe('application/octet-stream');
  });

  it('HEAD gets the head of GET and no body, and the connection serves the next request', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('HEAD', '/cookies'));
      const head = await client.readResponse(3000, true);
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(head).toMatch(/\r\ncontent-length: 2\r\n/);
      client.write(request('HEAD', '/stream'));
      const streamed = await client.readResponse(3000, true);
      expect(streamed).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(streamed).not.toMatch(/transfer-encoding/i);
      client.write(request('GET', '/stream'));
      const full = await client.readResponse();
      expect(full.endsWith('\r\n\r\n9\r\nstreamed \r\n4\r\nbody\r\n0\r\n\r\n')).toBe(true);
      expect(client.take()).toBe('');
    } finally {
      client.close();
    }
  });
});

describe("100 Continue with the core's deferContinue(fastify.server)", () => {
  const fastify = Fastify();
  let port = 0;
  const app: WsgiApp = async (environ, startResponse) => {
    if (environ.PATH_INFO === '/refuse') {
      startResponse('413 Content Too Large', [['Content-Type', 'text/plain']]);
      return ['too big'];
    }
    environ['wsgi.input'].set_hundred_continue_response_headers([['X-Upload', 'welcome']]);
    const body = await environ['wsgi.input'].read();
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [`read ${body.toString('latin1')}`];
  };
  beforeAll(async () => {
    fastify.post('/native', async (req) => req.body);
    await fastify.register(wsgiPlugin, { app, prefix: '/w' });
    port = await listening(fastify);
    deferContinue(fastify.server);
  });
  afterAll(() => fastify.close());

  /** Send a head asking for a 100; return what came before the body was sent, and the response after. */
  async function expectContinue(path: string, type: string, body: string): Promise<[string, ParsedResponse]> {
    const client = await RawClient.connect(port);
    try {
      client.write(request('POST', path, [['Content-Type', type], ['Content-Length', String(body.length)], ['Expect', '100-continue']]));
      const first = await client.readUntil('\r\n\r\n');
      // No 100: that was the final head, and the rest runs to the connection's close.
      if (!first.startsWith('HTTP/1.1 100 ')) return [first, parseResponse(first + (await client.readToEnd()))];
      client.write(body);
      return [first, parseResponse(await client.readResponse())];
    } finally {
      client.close();
    }
  }

  it("the app's first read sends the 100, with the headers it set", async () => {
    const [interim, res] = await expectContinue('/w/upload', 'text/plain', 'payload');
    expect(interim).toBe('HTTP/1.1 100 Continue\r\nX-Upload: welcome\r\n\r\n');
    expect(res.body).toBe('read payload');
  });

  it('an app that answers without reading sends no 100, and the connection closes', async () => {
    const [head, res] = await expectContinue('/w/refuse', 'text/plain', 'never sent');
    expect(head).toMatch(/^HTTP\/1\.1 413 Content Too Large\r\n/);
    expect(res.header('connection')).toBe('close');
    expect(res.body).toBe('too big');
  });

  it('a native route beside the mount gets a plain 100 and its parsed JSON', async () => {
    const [interim, res] = await expectContinue('/native', 'application/json', '{"n":1}');
    expect(interim).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    expect(JSON.parse(res.body)).toEqual({ n: 1 });
  });
});

describe('wsgiPlugin registration', () => {
  it('refuses an app that is not a function', async () => {
    const fastify = Fastify();
    await expect(fastify.register(wsgiPlugin, { app: 42 as unknown as WsgiApp })).rejects.toThrow(/must be a function/);
    await fastify.close();
  });
});
