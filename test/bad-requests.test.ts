// Bad client input gets a 4xx with Connection: close, or a clean close: never a crash,
// never a hung connection, never a body parsed as the next request. eventlet's limit
// responses (§6) are byte for byte.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { RawClient } from './helpers/raw.js';
import { serve, type TestServer } from './helpers/serve.js';
import { chunked, fetchRaw, REFUSAL, request } from './helpers/http.js';

/** Every request that reached the app, as `METHOD PATH`. */
const reached: string[] = [];
const app: WsgiApp = async (environ: Environ, startResponse) => {
  reached.push(`${environ.REQUEST_METHOD} ${environ.PATH_INFO}`);
  const body = await environ['wsgi.input'].read();
  startResponse('200 OK', []);
  return [`read ${body.length}`];
};

/**
 * Send `bytes` (then half-close when `end`), and return what came back before the server
 * closed. Fails if the server keeps the connection past `timeoutMs`: a hung connection.
 */
async function rejected(srv: TestServer, bytes: string, end = false, timeoutMs = 3000): Promise<string> {
  const client = await RawClient.connect(srv.port);
  client.write(bytes);
  if (end) client.socket.end();
  return client.readToEnd(timeoutMs);
}

describe('bad requests', () => {
  let srv: TestServer;
  beforeAll(async () => {
    srv = await serve(app);
  });
  afterAll(async () => {
    // whatever was thrown at it, the server still answers a plain request
    expect((await fetchRaw(srv.port, request('GET', '/still-alive'))).body).toBe('read 0');
    await srv.close();
  });

  const malformed: Record<string, string> = {
    'a garbage request line': 'GARBAGE\r\n\r\n',
    'a request line of four words': 'GET / HTTP/1.1 extra\r\nHost: x\r\n\r\n',
    'a bad version': 'GET / HTTP/1.x\r\nHost: x\r\n\r\n',
    'a header name with a space': request('GET', '/', [['Bad Header', 'x']]),
    'a NUL in a header value': request('GET', '/', [['X-Nul', 'a\0b']]),
    'an obsolete folded header': 'GET / HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n',
    'bare LF line ends': 'GET / HTTP/1.1\nHost: x\n\n',
    'a head cut off by the client': 'GET / HTTP/1.1\r\nHost: x\r\nX-Half',
    'binary noise': '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03',
  };
  for (const [what, bytes] of Object.entries(malformed)) {
    it(`${what}: refused`, async () => {
      const before = reached.length;
      const raw = await rejected(srv, bytes, what.includes('cut off'));
      expect(raw).toMatch(REFUSAL);
      expect(reached.length).toBe(before);
    });
  }

  // 023: Python int() quirks aside, a Content-Length that is not a plain number is a 400.
  for (const value of ['argh', '', ' ', '-10', '0x5', '+5', '5, 5', '1e3']) {
    it(`Content-Length ${JSON.stringify(value)}: 400, never 500 (023)`, async () => {
      const raw = await rejected(srv, `POST / HTTP/1.1\r\nHost: x\r\nContent-Length: ${value}\r\n\r\nhello`);
      expect(raw).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(raw).toMatch(REFUSAL);
    });
  }

  it('two different Content-Lengths: 400', async () => {
    expect(await rejected(srv, request('POST', '/', [['Content-Length', '5'], ['Content-Length', '6']], 'hello!'))).toMatch(/^HTTP\/1\.1 400 /);
  });

  it('Content-Length with Transfer-Encoding: 400 and a close, the body never parsed as a request (055)', async () => {
    const before = reached.length;
    const smuggled = request('GET', '/smuggled');
    const raw = await rejected(srv, request('POST', '/', [['Content-Length', '0'], ['Transfer-Encoding', 'chunked']], `${(smuggled.length).toString(16)}\r\n${smuggled}\r\n0\r\n\r\n`));
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(reached.slice(before)).toEqual([]);
  });

  it('a Transfer-Encoding other than chunked: no request smuggled from the body [Q: eventlet parses it as the next request]', async () => {
    const before = reached.length;
    const raw = await rejected(srv, request('POST', '/', [['Transfer-Encoding', 'gzip']], request('GET', '/smuggled')));
    expect(raw).toMatch(REFUSAL);
    expect(reached.slice(before).filter((r) => r.includes('smuggled'))).toEqual([]);
  });

  it('a truncated chunked body followed by the client\'s half-close: a clean close, not a hang', async () => {
    const raw = await rejected(srv, request('POST', '/', [['Transfer-Encoding', 'chunked']], '10\r\nabc'), true);
    expect(raw).toMatch(REFUSAL);
  });

  it('a Content-Length body cut short by the client\'s half-close: a clean close, not a hang', async () => {
    const raw = await rejected(srv, request('POST', '/', [['Content-Length', '10']], 'abc'), true);
    expect(raw).toMatch(REFUSAL);
  });

  it('a malformed chunk size: refused (033)', async () => {
    expect(await rejected(srv, request('POST', '/', [['Transfer-Encoding', 'chunked']], 'cats\r\nmeow\r\n'))).toMatch(REFUSAL);
  });

  it('a request line of 15 KB gets eventlet\'s 414 (006)', async () => {
    const raw = await rejected(srv, request('GET', `/${'a'.repeat(15000)}`));
    expect(raw).toBe('HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  it('a request line just under the limit is served: 8191 bytes with its CRLF; one more byte gets the 414', async () => {
    // "GET " + target + " HTTP/1.1\r\n" = 8191
    const target = `/${'a'.repeat(8191 - 4 - 11 - 1)}`;
    expect((await fetchRaw(srv.port, request('GET', target))).status).toBe(200);
    const before = reached.length;
    expect(await rejected(srv, request('GET', `${target}a`))).toBe(
      'HTTP/1.0 414 Request URI Too Long\r\nConnection: close\r\nContent-Length: 0\r\n\r\n',
    );
    expect(reached.length).toBe(before);
    // one access line, the served one's: the refused request never reached the app
    expect(srv.log.filter((line) => line.includes(`"GET ${target}`))).toHaveLength(1);
  });

  it('a 10000-byte header line gets eventlet\'s 400 Header Line Too Long (030)', async () => {
    expect(await rejected(srv, request('GET', '/', [['X-Long', 'a'.repeat(10000)]]))).toBe(
      'HTTP/1.0 400 Header Line Too Long\r\nConnection: close\r\nContent-length: 0\r\n\r\n',
    );
  });

  it('20 headers of 7000 bytes get eventlet\'s 400 Headers Too Large (031)', async () => {
    const headers = Array.from({ length: 20 }, (_, i): [string, string] => [`X-H${i}`, 'a'.repeat(7000)]);
    expect(await rejected(srv, request('GET', '/', headers))).toBe(
      'HTTP/1.0 400 Headers Too Large\r\nConnection: close\r\nContent-length: 0\r\n\r\n',
    );
  });

  // eventlet answers 505 HTTP Version Not Supported to a version >= 2.0.
  it('a request claiming HTTP/2.0 is refused, not served', async () => {
    const before = reached.length;
    const raw = await rejected(srv, 'GET / HTTP/2.0\r\nHost: x\r\n\r\n');
    expect(raw).toBe('HTTP/1.1 505 HTTP Version Not Supported\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    expect(reached.length).toBe(before);
  });

  it('an HTTP/1.1 request without Host is refused (RFC 9112 §3.2; eventlet serves it)', async () => {
    const before = reached.length;
    expect(await rejected(srv, 'GET /no-host HTTP/1.1\r\n\r\n')).toMatch(/^HTTP\/1\.1 400 /);
    expect(reached.length).toBe(before);
  });

  it('a stray CRLF after a request is not a second request', async () => {
    const before = reached.length;
    const raw = await rejected(srv, `${request('POST', '/', [['Content-Length', '2'], ['Connection', 'close']], 'hi')}\r\n`);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*read 2$/);
    expect(reached.length).toBe(before + 1);
  });

  it('a well-formed chunked upload on the same server still works', async () => {
    expect((await fetchRaw(srv.port, request('POST', '/', [['Transfer-Encoding', 'chunked']], chunked('oh', ' hai')))).body).toBe('read 6');
  });
});

describe('urlLengthLimit (configurable_url_length_limit)', () => {
  it('a 20000 limit lets a 15000-character path through', async () => {
    const srv = await serve(app, { urlLengthLimit: 20000 });
    try {
      const response = await fetchRaw(srv.port, request('GET', `/${'a'.repeat(15000)}`));
      expect([response.status, response.body]).toEqual([200, 'read 0']);
    } finally {
      await srv.close();
    }
  });
});
