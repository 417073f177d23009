// toFetchHandler mounted in real Hono on @hono/node-server, on loopback, beside Hono's own
// routes, seen by raw sockets where framing matters: keep-alive across both kinds of
// route, the environ, latin-1 paths, list and streamed bodies, HEAD, header case, post
// hooks, a 10 MB download, an upload streamed through wsgi.input, and a half-read body;
// REMOTE_ADDR from node-server's context.
import { createHash } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { toFetchHandler } from '@wsgi-bridge/fetch';
import { chunked, chunkSizes, logText, parseResponse, request, routes, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';
import { CHUNK, hashingUpload, numberedChunks, type UploadReport } from './helpers/stream.js';

const TEN_MB = 10 * 1024 * 1024;
let downloadDigest = '';
const hooksRun: string[] = [];

/** What the app saw, for every path under /environ. */
const reportEnviron: WsgiApp = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  const keys = ['REQUEST_METHOD', 'SCRIPT_NAME', 'PATH_INFO', 'RAW_PATH_INFO', 'QUERY_STRING', 'SERVER_NAME',
    'SERVER_PORT', 'SERVER_PROTOCOL', 'REMOTE_ADDR', 'HTTP_X_TRACE', 'HTTP_HOST', 'wsgi.url_scheme'];
  const seen = Object.fromEntries(keys.map((key) => [key, environ[key] ?? null]));
  seen.spoofed = Object.values(environ).includes('spoofed');
  return [JSON.stringify(seen)];
};

const table = routes({
  '/list': (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
    return ['a list ', 'body'];
  },
  '/stream': (environ, startResponse) => {
    environ['eventlet.minimum_write_chunk_size'] = 0;
    startResponse('200 OK', [['content-type', 'text/plain']]);
    return (function* () {
      yield 'one';
      yield 'two';
    })();
  },
  '/hooked': (environ, startResponse) => {
    environ['eventlet.posthooks'].push([(env: Environ, tag: string) => void hooksRun.push(`${tag} ${env.PATH_INFO}`), ['hook']]);
    startResponse('200 OK', []);
    return ['hooked'];
  },
  '/download': (_environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    const hash = createHash('sha256');
    return (async function* () {
      yield* numberedChunks(TEN_MB, hash);
      downloadDigest = hash.digest('hex');
    })();
  },
  '/upload': hashingUpload(),
  '/read-a-little': async (environ, startResponse) => {
    const first = await environ['wsgi.input'].read(10);
    startResponse('200 OK', []);
    return [`read ${first.length}`];
  },
});
const legacy: WsgiApp = (environ, startResponse) =>
  (environ.PATH_INFO.startsWith('/environ') ? reportEnviron : table)(environ, startResponse);

describe('toFetchHandler in Hono on @hono/node-server', () => {
  let server: Server;
  let port: number;
  const log: string[] = [];
  beforeAll(async () => {
    const hono = new Hono<{ Bindings: HttpBindings }>();
    const handler = toFetchHandler(legacy, {
      scriptName: '/legacy',
      errors: (text) => log.push(text),
      remoteAddr: (_request, env: HttpBindings) => env.incoming.socket.remoteAddress,
    });
    hono.get('/', (c) => c.text('native root'));
    hono.post('/native/echo', async (c) => c.text(`native got ${await c.req.text()}`));
    hono.all('/legacy/*', (c) => handler(c.req.raw, c.env));
    const withContext = toFetchHandler(reportEnviron, { scriptName: '/context' });
    hono.all('/context/*', (c) => withContext(c.req.raw, c.env));
    const requestOnly = toFetchHandler(reportEnviron, { scriptName: '/plain' });
    hono.all('/plain/*', (c) => requestOnly(c.req.raw));
    server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }) as Server;
    await new Promise<void>((resolve) => server.once('listening', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  }));

  it('serves native routes and the WSGI mount on one kept connection, in turn', async () => {
    const client = await RawClient.connect(port);
    try {
      for (let i = 0; i < 3; i++) {
        client.write(request('GET', '/'));
        expect(parseResponse(await client.readResponse()).body).toBe('native root');
        client.write(request('GET', '/legacy/list'));
        expect(parseResponse(await client.readResponse()).body).toBe('a list body');
        client.write(request('POST', '/native/echo', [['Content-Length', '2']], 'hi'));
        expect(parseResponse(await client.readResponse()).body).toBe('native got hi');
      }
      expect(client.closed).toBe(false);
    } finally {
      client.close();
    }
  });

  it('frames a list body with Content-Length and a streamed one chunked, app headers as given', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/legacy/list'));
      const list = parseResponse(await client.readResponse());
      expect(list.header('Content-Length')).toBe('11');
      expect(list.header('Transfer-Encoding')).toBeUndefined();
      // Each cookie on a line of its own (a repeated name goes as Headers, which lowercases names).
      expect(list.headers.filter(([name]) => name.toLowerCase() === 'set-cookie').map(([, value]) => value)).toEqual(['a=1', 'b=2']);
      client.write(request('GET', '/legacy/stream'));
      const capitalized = parseResponse(await client.readResponse());
      // No repeated name: the head goes as a plain record, and capitalizeResponseHeaders reaches the wire.
      expect(capitalized.headers.map(([name]) => name)).toContain('Content-Type');
      client.write(request('GET', '/legacy/stream'));
      const stream = parseResponse(await client.readResponse());
      expect(stream.header('Transfer-Encoding')).toBe('chunked');
      expect(stream.body).toBe('onetwo');
      expect(chunkSizes(stream.rawBody)).toEqual([3, 3, 0]);
    } finally {
      client.close();
    }
  });

  it('gives the environ: SCRIPT_NAME from scriptName, a latin-1 PATH_INFO, headers with _ dropped', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/legacy/environ/caf%C3%A9?x=%20y', [['X-Trace', 'abc'], ['X_Trace', 'spoofed']]));
      // The JSON is UTF-8; the raw client reads latin-1.
      const body = Buffer.from(parseResponse(await client.readResponse()).body, 'latin1').toString('utf8');
      const seen = JSON.parse(body) as Record<string, unknown>;
      expect(seen).toEqual({
        REQUEST_METHOD: 'GET',
        SCRIPT_NAME: '/legacy',
        PATH_INFO: '/environ/caf\u00c3\u00a9',
        RAW_PATH_INFO: '/environ/caf%C3%A9',
        QUERY_STRING: 'x=%20y',
        SERVER_NAME: 'localhost',
        SERVER_PORT: '80',
        SERVER_PROTOCOL: 'HTTP/1.1',
        REMOTE_ADDR: '127.0.0.1',
        HTTP_X_TRACE: 'abc',
        HTTP_HOST: 'localhost',
        'wsgi.url_scheme': 'http',
        spoofed: false,
      });
    } finally {
      client.close();
    }
  });

  it("with node-server's context, takes the wire's headers and the socket's address; without, the Request's", async () => {
    const headers: Array<[string, string]> = [['X-Trace', 'a'], ['x-trace', 'b'], ['X_Trace', 'spoofed']];
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/context/environ', headers));
      const wire = JSON.parse(parseResponse(await client.readResponse()).body) as Record<string, unknown>;
      expect(wire).toMatchObject({ SCRIPT_NAME: '/context', REMOTE_ADDR: '127.0.0.1', HTTP_X_TRACE: 'a,b', spoofed: false });
      client.write(request('GET', '/plain/environ', headers));
      const plain = JSON.parse(parseResponse(await client.readResponse()).body) as Record<string, unknown>;
      expect(plain).toMatchObject({ SCRIPT_NAME: '/plain', REMOTE_ADDR: null, HTTP_X_TRACE: 'a, b', spoofed: false });
    } finally {
      client.close();
    }
  });

  it('answers HEAD with the head only, Content-Length as GET would', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('HEAD', '/legacy/list'));
      const head = await client.readResponse(5000, true);
      expect(head).toMatch(/^HTTP\/1\.1 200 /);
      expect(parseResponse(head).header('Content-Length')).toBe('11');
      client.write(request('GET', '/'));
      expect(parseResponse(await client.readResponse()).body).toBe('native root'); // nothing stray before it
    } finally {
      client.close();
    }
  });

  it('runs a post hook once, after the response went out', async () => {
    hooksRun.length = 0;
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/legacy/hooked'));
      expect(parseResponse(await client.readResponse()).body).toBe('hooked');
      await waitFor(() => hooksRun.length === 1, 'the post hook');
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(hooksRun).toEqual(['hook /hooked']);
    } finally {
      client.close();
    }
  });

  it('sends a 10 MB download whole and intact', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/legacy/download'));
      const response = parseResponse(await client.readResponse(30_000));
      const body = Buffer.from(response.body, 'latin1');
      expect(body.length).toBe(TEN_MB);
      expect(createHash('sha256').update(body).digest('hex')).toBe(downloadDigest);
    } finally {
      client.close();
    }
  });

  it('streams an upload through wsgi.input in pieces, chunked or with Content-Length', async () => {
    const total = 3 * CHUNK + 100;
    const hash = createHash('sha256');
    const pieces: Buffer[] = [];
    for await (const piece of numberedChunks(total, hash)) pieces.push(piece);
    const body = Buffer.concat(pieces);
    const digest = hash.digest('hex');
    for (const framing of ['length', 'chunked'] as const) {
      const client = await RawClient.connect(port);
      try {
        const headers: Array<[string, string]> = framing === 'length'
          ? [['Content-Length', String(total)]] : [['Transfer-Encoding', 'chunked']];
        client.write(request('POST', '/legacy/upload', headers));
        client.write(framing === 'length' ? body : Buffer.from(chunked(body.toString('latin1')), 'latin1'));
        const report = JSON.parse(parseResponse(await client.readResponse(10_000)).body) as UploadReport;
        expect(report).toMatchObject({ total, digest });
        expect(report.biggest).toBeLessThanOrEqual(CHUNK);
      } finally {
        client.close();
      }
    }
  });

  it('lets go of a half-read body so the kept connection serves the next request', async () => {
    const client = await RawClient.connect(port);
    try {
      const size = 200_000;
      client.write(request('POST', '/legacy/read-a-little', [['Content-Length', String(size)]], 'x'.repeat(size)));
      expect(parseResponse(await client.readResponse()).body).toBe('read 10');
      client.write(request('GET', '/'));
      expect(parseResponse(await client.readResponse()).body).toBe('native root');
    } finally {
      client.close();
    }
    expect(logText({ log })).toBe('');
  });
});
