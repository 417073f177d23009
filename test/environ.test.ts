// The environ an app sees: PEP 3333's CGI and wsgi.* keys, eventlet's keys, and the
// design's decisions where eventlet has a quirk (QUERY_STRING always present, the real
// SERVER_PROTOCOL, CONTENT_* only when sent, HTTP_* from rawHeaders). The environ on a
// Unix socket is in server-unix.test.ts.
import { describe, expect, it } from 'vitest';
import type { Environ } from '@wsgi-bridge/core';
import { WsgiErrors, WsgiInput } from '@wsgi-bridge/core/adapter';
import { RawClient } from './helpers/raw.js';
import { useServer, type TestServer } from './helpers/serve.js';
import { chunked, parseResponse, recordingApp, request } from './helpers/http.js';

/** Send one request on a fresh connection, check it got a 200, and return the environ the app saw. */
async function environFor(srv: TestServer, app: ReturnType<typeof recordingApp>, bytes: string): Promise<{ environ: Environ; localPort: number }> {
  const client = await RawClient.connect(srv.port);
  const localPort = client.socket.localPort!;
  const before = app.seen.length;
  client.write(bytes);
  const response = parseResponse(await client.readResponse());
  expect(response.status).toBe(200);
  expect(app.seen.length).toBe(before + 1);
  client.close();
  return { environ: app.seen[before]!, localPort };
}

describe('environ', () => {
  const app = recordingApp();
  const srv = useServer(app);

  it('has every CGI key with the values of the request and the socket', async () => {
    const { environ: env, localPort } = await environFor(srv, app, request('GET', '/some/path?a=1&b=%20', [['User-Agent', 'raw']]));
    expect(env.REQUEST_METHOD).toBe('GET');
    expect(env.SCRIPT_NAME).toBe('');
    expect(env.PATH_INFO).toBe('/some/path');
    expect(env.RAW_PATH_INFO).toBe('/some/path');
    expect(env.QUERY_STRING).toBe('a=1&b=%20'); // raw, not decoded
    expect(env.SERVER_NAME).toBe('127.0.0.1');
    expect(env.SERVER_PORT).toBe(String(srv.port));
    expect(env.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect(env.REMOTE_ADDR).toBe('127.0.0.1');
    expect(env.REMOTE_PORT).toBe(String(localPort));
    expect(env.GATEWAY_INTERFACE).toBe('CGI/1.1');
    expect(env.HTTP_HOST).toBe('localhost');
    expect(env.HTTP_USER_AGENT).toBe('raw');
    expect('HTTPS' in env).toBe(false);
  });

  it('has the wsgi.* and eventlet.* keys', async () => {
    const { environ: env } = await environFor(srv, app, request('GET', '/'));
    expect(env['wsgi.version']).toEqual([1, 0]);
    expect(env['wsgi.url_scheme']).toBe('http');
    expect(env['wsgi.input']).toBeInstanceOf(WsgiInput);
    expect(env['eventlet.input']).toBe(env['wsgi.input']);
    expect(env['wsgi.errors']).toBeInstanceOf(WsgiErrors);
    expect(env['wsgi.multithread']).toBe(true);
    expect(env['wsgi.multiprocess']).toBe(false);
    expect(env['wsgi.run_once']).toBe(false);
    expect(env['eventlet.posthooks']).toEqual([]);
    // eventlet never sets it; the app may.
    expect('eventlet.minimum_write_chunk_size' in env).toBe(false);
  });

  it('QUERY_STRING is "" without a "?" and with an empty one [Q: eventlet leaves the key out]', async () => {
    expect((await environFor(srv, app, request('GET', '/plain'))).environ.QUERY_STRING).toBe('');
    expect((await environFor(srv, app, request('GET', '/plain?'))).environ.QUERY_STRING).toBe('');
    // only the first "?" splits
    const { environ } = await environFor(srv, app, request('GET', '/p?x=?y'));
    expect([environ.PATH_INFO, environ.QUERY_STRING]).toEqual(['/p', 'x=?y']);
  });

  it('SERVER_PROTOCOL is the real request version [Q: eventlet always says HTTP/1.0]', async () => {
    const { environ } = await environFor(srv, app, request('GET', '/', [], '', 'HTTP/1.0'));
    expect(environ.SERVER_PROTOCOL).toBe('HTTP/1.0');
  });

  it('CONTENT_TYPE and CONTENT_LENGTH only when sent, never HTTP_CONTENT_*', async () => {
    const bare = (await environFor(srv, app, request('GET', '/'))).environ;
    expect('CONTENT_TYPE' in bare).toBe(false);
    expect('CONTENT_LENGTH' in bare).toBe(false);

    const posted = (await environFor(srv, app, request('POST', '/', [['Content-Type', 'application/json'], ['Content-Length', '2']], '{}'))).environ;
    expect(posted.CONTENT_TYPE).toBe('application/json');
    expect(posted.CONTENT_LENGTH).toBe('2');
    expect(Object.keys(posted).filter((k) => k.startsWith('HTTP_CONTENT'))).toEqual([]);

    const streamed = (await environFor(srv, app, request('POST', '/', [['Transfer-Encoding', 'chunked']], chunked('hi')))).environ;
    expect('CONTENT_LENGTH' in streamed).toBe(false);
    expect(streamed.HTTP_TRANSFER_ENCODING).toBe('chunked');
  });

  it('HTTP_* come from the raw headers: repeats joined with ",", names with "_" dropped', async () => {
    const { environ } = await environFor(srv, app, request('GET', '/', [
      ['X-Dup', '1'],
      ['x-dup', '  2 '],
      ['X-Dup', 'three'],
      ['X_Forwarded_For', 'spoofed'],
      ['x-ANY_k', 'dropped'],
      ['path-info', 'kept as a header'],
      ['X-Spaces', '   o   u   t   '],
      ['X-Tab', '\tt'],
    ]));
    expect(environ.HTTP_X_DUP).toBe('1,2,three');
    // the spoofing guard: "X_Forwarded_For" must not become HTTP_X_FORWARDED_FOR
    expect(environ.HTTP_X_FORWARDED_FOR).toBeUndefined();
    expect(Object.keys(environ).filter((k) => k.includes('ANY'))).toEqual([]);
    expect(environ.HTTP_PATH_INFO).toBe('kept as a header');
    expect(environ.PATH_INFO).toBe('/');
    expect(environ.HTTP_X_SPACES).toBe('o   u   t');
    expect(environ.HTTP_X_TAB).toBe('t');
  });

  it('PATH_INFO is percent-decoded to latin-1 code points; RAW_PATH_INFO keeps the target', async () => {
    const cases: Array<[raw: string, decoded: string]> = [
      ['/%E4%BD%A0%E5%A5%BD', '/\xe4\xbd\xa0\xe5\xa5\xbd'],
      ['/a*b@%40%233', '/a*b@@#3'],
      ['/a%2Fb', '/a/b'],
      ['/a+b', '/a+b'],
      ['/bad%zz%4', '/bad%zz%4'],
      ['/%7e%7E', '/~~'],
    ];
    for (const [raw, decoded] of cases) {
      const { environ } = await environFor(srv, app, request('GET', `${raw}?q=%41`));
      expect(environ.PATH_INFO).toBe(decoded);
      expect(environ.RAW_PATH_INFO).toBe(raw);
      expect(environ.QUERY_STRING).toBe('q=%41');
    }
  });

  it('an absolute-form target gives the path and query of the URL', async () => {
    const { environ } = await environFor(srv, app, request('GET', 'http://example.com/x%20y?z=1'));
    expect(environ.PATH_INFO).toBe('/x y');
    expect(environ.RAW_PATH_INFO).toBe('/x%20y');
    expect(environ.QUERY_STRING).toBe('z=1');
  });
});

describe('environ extras (server option)', () => {
  const app = recordingApp();
  const srv = useServer(app, {
      environ: {
        'my.app.config': { answer: 42 },
        PATH_INFO: '/not-the-request',
        REMOTE_ADDR: '6.6.6.6',
        SERVER_PROTOCOL: 'HTTP/9.9',
        CONTENT_LENGTH: '999',
        HTTP_X_PRESET: 'preset',
        // per-request objects: a shared one would leak between requests
        'wsgi.input': 'not an input',
        'eventlet.input': 'not an input',
        'eventlet.posthooks': [],
      },
    });

  it('are merged in, but the CGI keys of the request always win', async () => {
    const { environ } = await environFor(srv, app, request('GET', '/real'));
    expect(environ['my.app.config']).toEqual({ answer: 42 });
    expect(environ.PATH_INFO).toBe('/real');
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
    expect(environ.SERVER_PROTOCOL).toBe('HTTP/1.1');
    expect('CONTENT_LENGTH' in environ).toBe(false);
    expect(environ.HTTP_X_PRESET).toBe('preset');
  });

  it('a preset HTTP_* key is replaced by the request header [Q: eventlet appends ",value"]', async () => {
    const { environ } = await environFor(srv, app, request('GET', '/', [['X-Preset', 'a'], ['X-Preset', 'b']]));
    expect(environ.HTTP_X_PRESET).toBe('a,b');
  });

  it('each request gets its own environ (extras are not shared state)', async () => {
    const first = (await environFor(srv, app, request('GET', '/', [['X-Preset', 'one']]))).environ;
    const second = (await environFor(srv, app, request('GET', '/'))).environ;
    expect(first).not.toBe(second);
    expect(second.HTTP_X_PRESET).toBe('preset');
  });

  it('cannot replace wsgi.input, eventlet.input or eventlet.posthooks [bug fixed: a shared hook list grew]', async () => {
    const first = (await environFor(srv, app, request('GET', '/'))).environ;
    const second = (await environFor(srv, app, request('GET', '/'))).environ;
    expect(second['wsgi.input']).toBeInstanceOf(WsgiInput);
    expect(second['eventlet.input']).toBe(second['wsgi.input']);
    expect(second['eventlet.posthooks']).toEqual([]);
    expect(second['eventlet.posthooks']).not.toBe(first['eventlet.posthooks']);
  });
});
