// start_response: validation (a bad status or header is a 500 with a clear message and
// never reaches the wire), exc_info semantics, the header block eventlet writes, and write().
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HeaderList, WsgiApp } from '@wsgi-bridge/core';
import { createWsgiHandler } from '@wsgi-bridge/core/adapter';
import { maskDate, RawClient } from './helpers/raw.js';
import { serve, useServer, type TestServer } from './helpers/serve.js';
import { fetchRaw, logText, parseResponse, request, routes } from './helpers/http.js';

/** An app that calls start_response with these arguments and answers "body". */
const answer = (status: string, headers: HeaderList): WsgiApp => (_env, startResponse) => {
  startResponse(status, headers);
  return ['body'];
};

const invalid: Record<string, [status: string, headers: HeaderList, message: RegExp]> = {
  '/status-no-reason': ['200', [], /invalid status: "200" is not "NNN reason"/],
  '/status-words': ['OK 200', [], /invalid status: "OK 200"/],
  '/status-two-digits': ['20 OK', [], /invalid status/],
  '/status-crlf': ['200 OK\r\nX-Injected: 1', [], /invalid status/],
  '/name-space': ['200 OK', [['Bad Name', 'v']], /header name "Bad Name" is not an HTTP token/],
  '/name-colon': ['200 OK', [['X-A:', 'v']], /header name "X-A:" is not an HTTP token/],
  '/value-not-latin1': ['200 OK', [['X-Greeting', '你好']], /value of header X-Greeting must be latin-1/],
  '/value-crlf': ['200 OK', [['X-Evil', 'a\r\nSet-Cookie: pwned=1']], /value of header X-Evil/],
  '/value-lf': ['200 OK', [['X-Evil', 'a\nSet-Cookie: pwned=1']], /value of header X-Evil/],
  '/value-cr': ['200 OK', [['X-Evil', 'a\rSet-Cookie: pwned=1']], /value of header X-Evil/],
  '/value-nul': ['200 OK', [['X-Evil', 'a\0b']], /value of header X-Evil/],
  '/hop-connection': ['200 OK', [['Connection', 'close']], /Connection is a hop-by-hop header/],
  '/hop-te': ['200 OK', [['transfer-encoding', 'chunked']], /transfer-encoding is a hop-by-hop header/],
  '/hop-keep-alive': ['200 OK', [['Keep-Alive', 'timeout=5']], /Keep-Alive is a hop-by-hop header/],
  '/hop-upgrade': ['200 OK', [['Upgrade', 'websocket']], /Upgrade is a hop-by-hop header/],
  '/bad-content-length': ['200 OK', [['Content-Length', '-1']], /Content-Length must be a non-negative integer/],
  '/two-content-lengths': ['200 OK', [['Content-Length', '4'], ['content-length', '5']], /conflicting Content-Length/],
};

/** exc_info: replaced before the head went out. */
const replaceBeforeHeaders: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['X-First', 'yes']]);
  try {
    throw new Error('the page broke');
  } catch (err) {
    startResponse('503 Service Unavailable', [['X-Replaced', 'yes']], err);
    return ['sorry'];
  }
};

/** exc_info after the head went out: start_response re-raises it, and the connection is cut. */
const reraiseAfterHeaders: WsgiApp = (env, startResponse) => {
  env['eventlet.minimum_write_chunk_size'] = 0;
  startResponse('200 OK', []);
  return (function* () {
    yield 'first chunk';
    try {
      throw new Error('broke mid-body');
    } catch (err) {
      startResponse('500 Internal Server Error', [], err); // throws err again
    }
    yield 'never sent';
  })();
};

const calledTwice: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', []);
  startResponse('201 Created', []);
  return ['unreachable'];
};

/** What start_response and write() raise, seen from inside the app. */
let raisedByStartResponse: unknown;
const catchesSecondCall: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', []);
  try {
    startResponse('201 Created', []);
  } catch (err) {
    raisedByStartResponse = err;
  }
  return ['first status kept'];
};

const noStartResponse: WsgiApp = () => ['no start_response'];

describe('start_response validation', () => {
  let srv: TestServer;
  beforeAll(async () => {
    const table: Record<string, WsgiApp> = {};
    for (const [path, [status, headers]] of Object.entries(invalid)) table[path] = answer(status, headers);
    srv = await serve(routes({
      ...table,
      '/ok': answer('200 oK', [['sOMe-WEirD', 'v'], ['x-lower', 'w']]),
      '/same-content-length': answer('200 OK', [['Content-Length', '4'], ['content-length', '4']]),
      '/latin1': answer('200 \xc7a va', [['X-Caf', 'caf\xe9']]),
      '/own-date': answer('200 OK', [['date', 'Tue, 01 Jan 2030 00:00:00 GMT']]),
      '/exc-before': replaceBeforeHeaders,
      '/exc-after': reraiseAfterHeaders,
      '/twice': calledTwice,
      '/twice-caught': catchesSecondCall,
      '/no-start': noStartResponse,
    }), { debug: false });
  });
  afterAll(() => srv.close());

  for (const [path, [, , message]] of Object.entries(invalid)) {
    it(`${path}: a 500 with the reason in the log, nothing of the app's head on the wire`, async () => {
      const before = srv.log.length; // the log is the file's: read only this request's lines
      const client = await RawClient.connect(srv.port);
      client.write(request('GET', path));
      const raw = await client.readToEnd(); // a 500 closes the connection
      expect(maskDate(raw)).toBe(
        'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\nContent-Length: 0\r\nDate: …\r\nConnection: close\r\n\r\n',
      );
      const logged = srv.log.slice(before).join('');
      expect(logged).toMatch(message);
      expect(logged).toContain(`Error in the WSGI app for GET ${path}`);
    });
  }

  it('never lets a CR/LF in a value split the response', async () => {
    for (const path of ['/value-crlf', '/value-lf', '/value-cr', '/status-crlf']) {
      const raw = (await fetchRaw(srv.port, request('GET', path))).headers.map(([k]) => k.toLowerCase());
      expect(raw).not.toContain('set-cookie');
      expect(raw).not.toContain('x-injected');
    }
  });

  it('writes the head as eventlet does: status kept, names capitalized, app headers, then Content-Length, Date', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/ok'));
    expect(response.statusLine).toBe('HTTP/1.1 200 oK');
    expect(response.headers.map(([k]) => k)).toEqual(['Some-Weird', 'X-Lower', 'Content-Length', 'Date']);
    expect(response.header('Date')).toMatch(/^[A-Z][a-z]{2}, \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d GMT$/);
    expect(response.body).toBe('body');
  });

  it('sends a repeated identical Content-Length once, so strict clients (Node\'s fetch) accept it [bug fixed]', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/same-content-length'))).count('content-length')).toBe(1);
    const response = await fetch(`${srv.url}/same-content-length`);
    expect([response.status, await response.text()]).toEqual([200, 'body']);
  });

  it('sends a latin-1 reason and header value as single bytes', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/latin1'));
    expect(response.statusLine).toBe('HTTP/1.1 200 \xc7a va'); // parsed as latin-1: one byte per character
    expect(response.header('x-caf')).toBe('caf\xe9');
  });

  it('does not add a Date when the app sent one', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/own-date'));
    expect(response.count('date')).toBe(1);
    expect(response.header('date')).toBe('Tue, 01 Jan 2030 00:00:00 GMT');
  });

  it('sends its own Date, where eventlet has it, when the ServerResponse has Node\'s turned off', async () => {
    const handle = createWsgiHandler(answer('200 OK', [['Content-Type', 'text/plain']]));
    const plain = createServer((req, res) => {
      res.sendDate = false; // Node writes Date only when asked; eventlet always does
      void handle(req, res);
    });
    plain.listen(0, '127.0.0.1');
    await once(plain, 'listening');
    try {
      const response = await fetchRaw((plain.address() as AddressInfo).port, request('GET', '/'));
      expect(response.headers.map(([k]) => k)).toEqual(['Content-Type', 'Content-Length', 'Date']);
      expect(response.count('date')).toBe(1);
    } finally {
      plain.close();
    }
  });

  it('exc_info before the head went out replaces status and headers', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/exc-before'));
    expect(response.statusLine).toBe('HTTP/1.1 503 Service Unavailable');
    expect(response.header('x-replaced')).toBe('yes');
    expect(response.header('x-first')).toBeUndefined();
    expect(response.body).toBe('sorry');
  });

  it('exc_info after the head went out re-raises: the chunked body is cut with no terminator', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/exc-after'));
    const head = await client.readUntil('\r\n\r\n');
    expect(head).toContain('Transfer-Encoding: chunked');
    expect(await client.readToEnd()).toBe('b\r\nfirst chunk\r\n');
    expect(logText(srv)).toContain('broke mid-body');
  });

  it('a second call without exc_info is an error: 500, and the app can catch it', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/twice'))).status).toBe(500);
    expect(logText(srv)).toMatch(/start_response called twice without exc_info/);

    const response = await fetchRaw(srv.port, request('GET', '/twice-caught'));
    expect(response.status).toBe(200);
    expect(response.body).toBe('first status kept');
    expect((raisedByStartResponse as { code?: string }).code).toBe('WSGI_ERR_HEADERS_SET');
  });

  it('an app that returns a body without calling start_response gets a 500 that says so', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/no-start'))).status).toBe(500);
    expect(logText(srv)).toMatch(/the app did not call start_response/);
  });
});

describe('capitalizeResponseHeaders: false', () => {
  const srv = useServer(answer('200 OK', [['eTAg', '"x"']]), { capitalizeResponseHeaders: false });

  it('keeps the app\'s header names as they are', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/'));
    const response = parseResponse(await client.readResponse());
    client.close();
    expect(response.headers[0]).toEqual(['eTAg', '"x"']);
  });
});
