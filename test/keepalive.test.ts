// Connection persistence: keep-alive across requests, pipelining, Connection: close,
// HTTP/1.0 clients with and without keep-alive, the keepalive option (false, 0, a
// timeout in seconds), maxHttpVersion 'HTTP/1.0', and closing the server.
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { RawClient } from './helpers/raw.js';
import { serve, useServer, type TestServer } from './helpers/serve.js';
import { deferred, parseResponse, request, routes, type ParsedResponse } from './helpers/http.js';

let slowGate = deferred();

const app = routes({
  '/': (_e, sr) => (sr('200 OK', [['Content-Type', 'text/plain']]), ['hello world']),
  '/path': (e, sr) => (sr('200 OK', []), [`path ${e.QUERY_STRING}`]),
  '/stream': (_e, sr) => {
    sr('200 OK', []);
    return (function* () {
      yield 'this';
      yield 'is';
      yield 'chunked';
    })();
  },
  '/empty-stream': (_e, sr) => (sr('200 OK', []), (function* () {})()),
  '/no-content': (_e, sr) => {
    const write = sr('204 No Content', []);
    write('');
    return [];
  },
  '/not-modified': (_e, sr) => (sr('304 Not Modified', []), []),
  '/echo': async (e, sr) => {
    const body = await e['wsgi.input'].read();
    sr('200 OK', []);
    return [body];
  },
  // an app that takes a moment, as real ones do (a database, a file)
  '/echo-later': async (e, sr) => {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const body = await e['wsgi.input'].read();
    sr('200 OK', []);
    return [body];
  },
  '/slow': async (_e, sr) => {
    await slowGate.promise;
    sr('200 OK', []);
    return ['finally'];
  },
} satisfies Record<string, WsgiApp>);

const KA: [string, string] = ['Connection', 'keep-alive'];
const CLOSE: [string, string] = ['Connection', 'close'];

/** A connection to `srv` that sends requests and reads their responses in order. */
async function connect(srv: TestServer): Promise<RawClient & { ask(bytes: string, head?: boolean): Promise<ParsedResponse> }> {
  const client = await RawClient.connect(srv.port);
  return Object.assign(client, {
    async ask(bytes: string, head = false) {
      client.write(bytes);
      return parseResponse(await client.readResponse(5000, head));
    },
  });
}


describe('keep-alive (default options)', () => {
  const srv = useServer(app, {});
  it('serves several HTTP/1.1 requests on one connection, saying nothing about it (002, 008)', async () => {
    const client = await connect(srv);
    const first = await client.ask(request('GET', '/'));
    const missing = await client.ask(request('GET', '/notexist'));
    const again = await client.ask(request('GET', '/'));
    expect([first.status, missing.status, again.status]).toEqual([200, 404, 200]);
    expect(first.header('connection')).toBeUndefined();
    expect(again.body).toBe('hello world');
    expect(await client.closesWithin(100)).toBe(false);
    client.close();
  });

  it('answers pipelined requests in order', async () => {
    const client = await connect(srv);
    client.write(['a', 'b', 'c'].map((q) => request('GET', `/path?${q}`)).join('') + request('POST', '/echo', [['Content-Length', '4']], 'body') + request('GET', '/stream'));
    const bodies: string[] = [];
    for (let i = 0; i < 5; i++) bodies.push(parseResponse(await client.readResponse()).body);
    expect(bodies).toEqual(['path a', 'path b', 'path c', 'body', 'thisischunked']);
    client.close();
  });

  it('Connection: close gets Connection: close and the connection ends (004)', async () => {
    const client = await connect(srv);
    expect((await client.ask(request('GET', '/'))).status).toBe(200);
    const last = await client.ask(request('GET', '/', [CLOSE]));
    expect(last.header('connection')).toBe('close');
    expect(await client.closesWithin(1000)).toBe(true);
  });

  it('a chunked empty body keeps the connection unless the client said close (058)', async () => {
    const client = await connect(srv);
    const kept = await client.ask(request('GET', '/empty-stream'));
    expect(kept.rawBody).toBe('0\r\n\r\n');
    const closing = await client.ask(request('GET', '/empty-stream', [CLOSE]));
    expect([closing.rawBody, closing.header('connection')]).toEqual(['0\r\n\r\n', 'close']);
    expect(await client.closesWithin(1000)).toBe(true);
  });

  it('an HTTP/1.0 client without keep-alive: Connection: close, then the end (001)', async () => {
    const client = await connect(srv);
    const response = await client.ask(request('GET', '/', [], '', 'HTTP/1.0'));
    expect(response.statusLine).toBe('HTTP/1.1 200 OK');
    expect([response.header('connection'), response.body]).toEqual(['close', 'hello world']);
    expect(await client.closesWithin(1000)).toBe(true);
  });

  it('an HTTP/1.0 client with keep-alive: echoed, the connection reused, an unread body discarded (018, 018b)', async () => {
    const client = await connect(srv);
    const first = await client.ask(request('GET', '/', [KA], '', 'HTTP/1.0'));
    expect(first.header('connection')).toBe('keep-alive');
    const put = await client.ask(request('PUT', '/path', [KA, ['Content-Length', '9']], 'ignore me', 'HTTP/1.0'));
    expect([put.header('connection'), put.body]).toEqual(['keep-alive', 'path ']);
    const after = await client.ask(request('GET', '/path?after', [KA], '', 'HTTP/1.0'));
    expect(after.body).toBe('path after');
    client.close();
  });

  it('an HTTP/1.1 client that sends keep-alive in another case gets it echoed', async () => {
    const client = await connect(srv);
    const response = await client.ask(request('GET', '/', [['CONNECTION', 'Keep-Alive']]));
    expect([response.header('connection'), response.body]).toEqual(['keep-alive', 'hello world']);
    client.close();
  });

  // A client that shuts down its sending side (FIN) before its response is taken as gone,
  // as Node's server and nginx (499) take it: that is how an app learns its client left.
  it('a client that half-closes before its response is taken as gone: no response, the connection closes', async () => {
    const client = await connect(srv);
    client.write(request('POST', '/echo-later', [['Content-Length', '5']], 'hello', 'HTTP/1.0'));
    client.socket.end();
    expect(await client.readToEnd()).toBe('');
  });

  it('204 via write("") and 304 keep the connection with no Content-Length or Transfer-Encoding (054)', async () => {
    const client = await connect(srv);
    const noContent = await client.ask(request('GET', '/no-content', [KA]));
    expect([noContent.status, noContent.header('connection')]).toEqual([204, 'keep-alive']);
    const notModified = await client.ask(request('GET', '/not-modified'));
    for (const response of [noContent, notModified]) {
      expect(response.header('content-length')).toBeUndefined();
      expect(response.header('transfer-encoding')).toBeUndefined();
    }
    expect(notModified.header('connection')).toBeUndefined();
    expect((await client.ask(request('GET', '/'))).body).toBe('hello world');
    client.close();
  });
});

describe.each([false, 0])('keepalive: %s (026, 026b)', (keepalive) => {
  const srv = useServer(app, { keepalive });
  it('every response says Connection: close and the connection ends, whatever the client asked', async () => {
    for (const [headers, version] of [[[], 'HTTP/1.1'], [[KA], 'HTTP/1.1'], [[KA], 'HTTP/1.0']] as const) {
      const client = await connect(srv);
      const response = await client.ask(request('GET', '/', [...headers], '', version));
      expect(response.header('connection')).toBe('close');
      expect(await client.closesWithin(1000)).toBe(true);
    }
  });
});

describe('keepalive: 2.5 (seconds)', () => {
  const srv = useServer(app, { keepalive: 2.5 });
  it('adds Keep-Alive: timeout=2 when the client sent keep-alive, and nothing when it did not (045)', async () => {
    const client = await connect(srv);
    const first = await client.ask(request('GET', '/'));
    const response = await client.ask(request('GET', '/', [KA]));
    // eventlet's bytes: the two headers last, in this order, then the body
    expect(response.headers.slice(-2)).toEqual([['Connection', 'keep-alive'], ['Keep-Alive', 'timeout=2']]);
    expect(response.body).toBe('hello world');
    const after = await client.ask(request('GET', '/'));
    for (const plain of [first, after]) expect([plain.header('connection'), plain.header('keep-alive')]).toEqual([undefined, undefined]);
    client.close();
  });
});

describe('keepalive: 0.3 (seconds)', () => {
  const srv = useServer(app, { keepalive: 0.3 });
  it('closes an idle connection after that long, without a Keep-Alive header under 1 s (044)', async () => {
    const client = await connect(srv);
    const response = await client.ask(request('GET', '/', [KA]));
    expect([response.header('connection'), response.header('keep-alive')]).toEqual(['keep-alive', undefined]); // int(0.3) is 0
    const started = Date.now();
    expect(await client.closesWithin(2000)).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(200);
    expect(client.take()).toBe('');
  });
});

describe("maxHttpVersion: 'HTTP/1.0'", () => {
  const srv = useServer(app, { maxHttpVersion: 'HTTP/1.0' });
  it('never chunks and closes every connection', async () => {
    const client = await connect(srv);
    client.write(request('GET', '/stream'));
    const response = parseResponse(await client.readToEnd());
    expect(response.header('transfer-encoding')).toBeUndefined();
    expect([response.header('connection'), response.rawBody]).toEqual(['close', 'thisischunked']);
  });
});

describe('closing the server (053)', () => {
  it('closes idle connections, lets a request in flight finish, then resolves', async () => {
    const srv = await serve(app);
    slowGate = deferred();
    const idle = await connect(srv);
    expect((await idle.ask(request('GET', '/'))).status).toBe(200);
    const busy = await connect(srv);
    busy.write(request('GET', '/slow'));
    await new Promise((resolve) => setTimeout(resolve, 50));

    let closed = false;
    const closing = srv.close().then(() => {
      closed = true;
    });
    expect(await idle.closesWithin(1000)).toBe(true);
    expect(closed).toBe(false); // the busy connection holds it open
    slowGate.resolve();
    const response = parseResponse(await busy.readResponse());
    expect([response.body, response.header('connection')]).toEqual(['finally', 'close']);
    expect(await busy.closesWithin(1000)).toBe(true);
    await closing;
    await expect(RawClient.connect(srv.port)).rejects.toThrow(/ECONNREFUSED/);
  });
});
