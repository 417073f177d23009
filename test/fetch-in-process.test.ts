// toFetchHandler called in-process, as a test client calls it: `await handler(new Request(...))`,
// no socket. The environ a Request gives, wsgi.input over its body, the Response's head and
// body, the streamed body's pacing, cancel, post hooks, errors and bad input.
import { describe, expect, it } from 'vitest';
import type { Body, Environ, PostHook, StartResponse, WsgiApp } from '@wsgi-bridge/core';
import { toFetchHandler, WsgiError, type FetchHandlerOptions } from '@wsgi-bridge/fetch';
import { deferred, waitFor } from './helpers/http.js';
import { rulesOf, validated } from './helpers/validated.js';

/** An app that answers with the environ keys a test looks at, as JSON. */
const reporter: WsgiApp = async (environ, startResponse) => {
  const body = (await environ['wsgi.input'].read()).toString('latin1');
  const seen: Record<string, unknown> = { body, hasRemoteAddr: 'REMOTE_ADDR' in environ };
  for (const key of Object.keys(environ)) {
    if (typeof environ[key] === 'string') seen[key] = environ[key];
  }
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify(seen)];
};

async function seenBy(request: Request, options: FetchHandlerOptions = {}): Promise<Record<string, string | boolean>> {
  const res = await toFetchHandler(reporter, options)(request);
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string | boolean>;
}

/** Logs kept for a test to look at. */
function logged(): { errors: (text: string) => void; text: () => string } {
  const lines: string[] = [];
  return { errors: (text) => lines.push(text), text: () => lines.join('') };
}

describe('the environ of a Request', () => {
  it('has the method, the path decoded to latin-1, RAW_PATH_INFO, the query and the URL parts', async () => {
    const seen = await seenBy(new Request('http://example.test:8080/caf%C3%A9/a%2Fb?x=1&y=%20', { method: 'DELETE' }));
    expect(seen).toMatchObject({
      REQUEST_METHOD: 'DELETE',
      SCRIPT_NAME: '',
      PATH_INFO: '/caf\u00c3\u00a9/a/b',
      RAW_PATH_INFO: '/caf%C3%A9/a%2Fb',
      QUERY_STRING: 'x=1&y=%20',
      SERVER_NAME: 'example.test',
      SERVER_PORT: '8080',
      SERVER_PROTOCOL: 'HTTP/1.1',
      REMOTE_PORT: '',
      GATEWAY_INTERFACE: 'CGI/1.1',
      'wsgi.url_scheme': 'http',
      hasRemoteAddr: false,
    });
    expect(seen.HTTPS).toBeUndefined();
  });

  it('takes the scheme and default port from the URL: https, 443 and HTTPS=on', async () => {
    const seen = await seenBy(new Request('https://secure.test/'));
    expect(seen).toMatchObject({ 'wsgi.url_scheme': 'https', SERVER_PORT: '443', HTTPS: 'on', PATH_INFO: '/', QUERY_STRING: '' });
    expect((await seenBy(new Request('http://plain.test/'))).SERVER_PORT).toBe('80');
    expect((await seenBy(new Request('http://[::1]:9000/v6'))).SERVER_NAME).toBe('[::1]');
  });

  it('parses each origin: one handler, requests to hosts that share a prefix, schemes and ports', async () => {
    const handler = toFetchHandler(reporter);
    const seen = async (url: string): Promise<unknown[]> => {
      const environ = (await (await handler(new Request(url))).json()) as Record<string, string>;
      return [environ['wsgi.url_scheme'], environ.SERVER_NAME, environ.SERVER_PORT, environ.PATH_INFO];
    };
    expect(await seen('http://a.test/x')).toEqual(['http', 'a.test', '80', '/x']);
    expect(await seen('http://a.test/y')).toEqual(['http', 'a.test', '80', '/y']);
    expect(await seen('http://a.testing/z')).toEqual(['http', 'a.testing', '80', '/z']);
    expect(await seen('http://a.test:81/')).toEqual(['http', 'a.test', '81', '/']);
    expect(await seen('https://a.test/s')).toEqual(['https', 'a.test', '443', '/s']);
    expect(await seen('http://[::1]:8000/u')).toEqual(['http', '[::1]', '8000', '/u']);
    expect(await seen('http://[::1]/v')).toEqual(['http', '[::1]', '80', '/v']);
  });

  it('maps headers to HTTP_* keys, drops names with _, and keeps CONTENT_TYPE and CONTENT_LENGTH bare', async () => {
    const seen = await seenBy(new Request('http://h.test/', {
      method: 'POST',
      body: 'abc',
      headers: { 'X-Forwarded-For': '10.0.0.1', X_Forwarded_For: 'spoofed', 'Content-Type': 'text/x-test', 'Content-Length': '3', Accept: 'a, b' },
    }));
    expect(seen).toMatchObject({ HTTP_X_FORWARDED_FOR: '10.0.0.1', CONTENT_TYPE: 'text/x-test', CONTENT_LENGTH: '3', HTTP_ACCEPT: 'a, b', body: 'abc' });
    expect(Object.values(seen)).not.toContain('spoofed');
    expect(seen.HTTP_CONTENT_TYPE).toBeUndefined();
  });

  it('strips scriptName from the path when the path starts with it, and only then', async () => {
    const options = { scriptName: '/legacy/' };
    expect(await seenBy(new Request('http://h.test/legacy/a%20b?q'), options)).toMatchObject({ SCRIPT_NAME: '/legacy', PATH_INFO: '/a b', RAW_PATH_INFO: '/a%20b', QUERY_STRING: 'q' });
    expect(await seenBy(new Request('http://h.test/legacy'), options)).toMatchObject({ SCRIPT_NAME: '/legacy', PATH_INFO: '' });
    expect(await seenBy(new Request('http://h.test/legacyish/x'), options)).toMatchObject({ SCRIPT_NAME: '', PATH_INFO: '/legacyish/x' });
    expect(await seenBy(new Request('http://h.test/other'), options)).toMatchObject({ SCRIPT_NAME: '', PATH_INFO: '/other' });
  });

  it('takes REMOTE_ADDR from the remoteAddr option and SERVER_PROTOCOL from serverProtocol', async () => {
    const remoteAddr = (request: Request): string | undefined => request.headers.get('x-test-peer') ?? undefined;
    const options = { remoteAddr, serverProtocol: 'HTTP/2' };
    const seen = await seenBy(new Request('http://h.test/', { headers: { 'x-test-peer': '192.0.2.7' } }), options);
    expect(seen).toMatchObject({ REMOTE_ADDR: '192.0.2.7', SERVER_PROTOCOL: 'HTTP/2', hasRemoteAddr: true });
    expect((await seenBy(new Request('http://h.test/'), options)).hasRemoteAddr).toBe(false);
    // The runtime's context (the handler's second argument) reaches the option.
    const fromContext = toFetchHandler(reporter, { remoteAddr: (_request, context: { peer: string }) => context.peer });
    const res = await fromContext(new Request('http://h.test/'), { peer: '198.51.100.9' });
    expect(((await res.json()) as Record<string, string>).REMOTE_ADDR).toBe('198.51.100.9');
  });

  it("takes node-server's HTTP/1 IncomingMessage from the context, but not an HTTP/2 one's pseudo-headers", async () => {
    const request = new Request('http://h.test/', { headers: { 'X-Trace': 'from-request' } });
    const incoming = (httpVersionMajor: number): unknown => ({
      incoming: {
        httpVersionMajor,
        rawHeaders: [...(httpVersionMajor === 2 ? [':path', '/'] : []), 'X-Trace', 'from-wire', 'X-Trace', 'again'],
        socket: { remoteAddress: '::1' },
      },
    });
    const one = (await (await toFetchHandler(reporter)(request, incoming(1))).json()) as Record<string, string>;
    expect(one).toMatchObject({ HTTP_X_TRACE: 'from-wire,again', REMOTE_ADDR: '::1' });
    const two = (await (await toFetchHandler(reporter)(request.clone(), incoming(2))).json()) as Record<string, string>;
    expect(two.HTTP_X_TRACE).toBe('from-request');
    expect(Object.keys(two).filter((key) => key.includes(':'))).toEqual([]);
  });

  it('adds the environ extras, never over a CGI key, and passes the validator', async () => {
    const app = validated(reporter);
    const res = await toFetchHandler(app, { environ: { 'test.extra': 'x', PATH_INFO: '/forged' } })(new Request('http://h.test/real'));
    const seen = (await res.json()) as Record<string, string>;
    expect(seen).toMatchObject({ 'test.extra': 'x', PATH_INFO: '/real' });
    expect(rulesOf(app.violations)).toEqual([]);
  });
});

describe('wsgi.input over request.body', () => {
  it('streams the body with read and readline, as the chunks arrive', async () => {
    const second = deferred();
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (sent === 0) controller.enqueue(new TextEncoder().encode('line one\nline '));
        else if (sent === 1) {
          await second.promise;
          controller.enqueue(new TextEncoder().encode('two\nrest'));
        } else controller.close();
        sent++;
      },
    });
    const lines: string[] = [];
    const app: WsgiApp = async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      lines.push((await input.readline()).toString());
      second.resolve(); // the first line came before the rest of the body was sent
      lines.push((await input.readline()).toString(), (await input.read(2)).toString(), (await input.read()).toString());
      lines.push(String((await input.read()).length));
      startResponse('200 OK', []);
      return [];
    };
    const res = await toFetchHandler(app)(new Request('http://h.test/', { method: 'PUT', body, duplex: 'half' } as RequestInit));
    expect(res.status).toBe(200);
    expect(lines).toEqual(['line one\n', 'line two\n', 're', 'st', '0']);
  });

  it('says so when the body was already read by someone else', async () => {
    const log = logged();
    const request = new Request('http://h.test/', { method: 'POST', body: 'taken' });
    await request.text();
    const res = await toFetchHandler(reporter, { errors: log.errors })(request);
    expect(res.status).toBe(500);
    expect(log.text()).toContain('request body already parsed: the Request body was already read');
  });

  it('accepts the 100 Continue calls and does nothing with them', async () => {
    const app: WsgiApp = async (environ, startResponse) => {
      const input = environ['wsgi.input'];
      input.set_hundred_continue_response_headers([['Hundred-Continue-Header-1', 'H1']]);
      input.send_hundred_continue_response();
      const body = await input.read();
      startResponse('200 OK', []);
      return [body];
    };
    const res = await toFetchHandler(app)(new Request('http://h.test/', { method: 'POST', body: 'xyz', headers: { Expect: '100-continue' } }));
    expect(await res.text()).toBe('xyz');
    const bad: WsgiApp = (environ, startResponse) => {
      environ['wsgi.input'].set_hundred_continue_response_headers([['Bad Name', 'x']]);
      startResponse('200 OK', []);
      return [];
    };
    expect((await toFetchHandler(bad, { errors: () => {} })(new Request('http://h.test/'))).status).toBe(500);
  });
});

describe('the Response', () => {
  const list = (status: string, chunks: string[], headers: Array<[string, string]> = []): WsgiApp => (_environ, startResponse) => {
    startResponse(status, headers);
    return chunks;
  };

  it('gives a list body with its Content-Length, the status, the reason and every header in order', async () => {
    const app = list('201 Made It', ['hello ', 'world'], [['Content-Type', 'text/plain'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']]);
    const res = await toFetchHandler(app)(new Request('http://h.test/'));
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made It');
    expect(res.headers.get('content-length')).toBe('11');
    expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(await res.text()).toBe('hello world');
  });

  it('adds no Content-Type of its own to a string body', async () => {
    const res = await toFetchHandler(list('200 OK', ['plain']))(new Request('http://h.test/'));
    expect(res.headers.get('content-type')).toBeNull();
    expect(await res.text()).toBe('plain');
  });

  it('carries no body for HEAD, 204 and 304; HEAD keeps the length a GET would get', async () => {
    const head = await toFetchHandler(list('200 OK', ['twelve bytes']))(new Request('http://h.test/', { method: 'HEAD' }));
    expect(head.body).toBeNull();
    expect(head.headers.get('content-length')).toBe('12');
    for (const status of ['204 No Content', '304 Not Modified']) {
      const res = await toFetchHandler(list(status, ['dropped']))(new Request('http://h.test/'));
      expect(res.status).toBe(Number(status.slice(0, 3)));
      expect(res.body).toBeNull();
      expect(res.headers.get('content-length')).toBeNull();
    }
    const generator: WsgiApp = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return (function* () {
        yield 'never sent';
      })();
    };
    expect((await toFetchHandler(generator)(new Request('http://h.test/', { method: 'HEAD' }))).body).toBeNull();
  });

  it('streams an iterable body chunked by the app, not buffered whole', async () => {
    const gate = deferred();
    const app: WsgiApp = (environ, startResponse) => {
      environ['eventlet.minimum_write_chunk_size'] = 0;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return (async function* () {
        yield 'first ';
        await gate.promise;
        yield 'second';
      })();
    };
    const res = await toFetchHandler(app)(new Request('http://h.test/'));
    expect(res.headers.get('content-length')).toBeNull();
    const reader = res.body!.getReader();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('first ');
    gate.resolve();
    expect(Buffer.from((await reader.read()).value!).toString()).toBe('second');
    expect((await reader.read()).done).toBe(true);
  });

  it('pauses the generator while the consumer does not read (backpressure)', async () => {
    let made = 0;
    const block = Buffer.alloc(16 * 1024, 0x61);
    const app: WsgiApp = (_environ, startResponse) => {
      startResponse('200 OK', []);
      return (function* () {
        for (let i = 0; i < 1000; i++) {
          made++;
          yield block;
        }
      })();
    };
    const res = await toFetchHandler(app)(new Request('http://h.test/'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const before = made;
    expect(before).toBeLessThan(20); // 64 KiB of queue, then it waits: not 1000 blocks made ahead
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(made).toBe(before);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.length).toBe(1000 * block.length);
    expect(made).toBe(1000);
  });

  it('on cancel stops the generator and calls close() once, then runs the post hooks once', async () => {
    let closes = 0;
    let returned = false;
    let hooks = 0;
    const app: WsgiApp = (environ, startResponse) => {
      environ['eventlet.posthooks'].push([() => void hooks++]);
      startResponse('200 OK', []);
      const generator = (function* () {
        try {
          for (;;) yield Buffer.alloc(8192, 0x62);
        } finally {
          returned = true;
        }
      })();
      return Object.assign(generator, { close: () => void closes++ });
    };
    const res = await toFetchHandler(app)(new Request('http://h.test/'));
    const reader = res.body!.getReader();
    await reader.read();
    await reader.cancel();
    await waitFor(() => hooks === 1, 'the post hook');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ closes, returned, hooks }).toEqual({ closes: 1, returned: true, hooks: 1 });
  });

  it.each([
    ['eventlet.posthooks', false],
    ['a list that replaced evy.posthooks', true],
  ])('runs post hooks after the body has been fully read, for a list and a stream (%s)', async (_name, replaced) => {
    for (const streamed of [false, true]) {
      const events: string[] = [];
      const app: WsgiApp = (environ, startResponse) => {
        const hook: PostHook = [(_env: Environ, tag: string) => void events.push(`hook ${tag}`), ['once']];
        if (replaced) environ['evy.posthooks'] = [hook];
        else environ['eventlet.posthooks'].push(hook);
        startResponse('200 OK', []);
        const chunks = ['a', 'b'];
        const body: Body = streamed ? (function* () { yield* chunks; })() : chunks;
        return Object.assign(body, { close: () => void events.push('close') });
      };
      const res = await toFetchHandler(app)(new Request('http://h.test/'));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(events).toEqual(['close']); // nothing read yet: the hooks wait
      expect(await res.text()).toBe('ab');
      await waitFor(() => events.length === 2, 'the post hook');
      expect(events).toEqual(['close', 'hook once']);
    }
  });

  it('answers an error before the head with a 500, the traceback only with debug', async () => {
    const failing: WsgiApp = () => {
      throw new Error('boom before the head');
    };
    const log = logged();
    const quiet = await toFetchHandler(failing, { errors: log.errors })(new Request('http://h.test/x?y'));
    expect(quiet.status).toBe(500);
    expect(await quiet.text()).toBe('');
    expect(log.text()).toContain('Error in the WSGI app for GET /x?y');
    expect(log.text()).toContain('boom before the head');
    const loud = await toFetchHandler(failing, { errors: () => {}, debug: true })(new Request('http://h.test/'));
    expect(loud.status).toBe(500);
    expect(loud.headers.get('content-type')).toBe('text/plain');
    expect(await loud.text()).toContain('boom before the head');
  });

  it('errors the stream on an error after the head: the consumer never sees a clean end', async () => {
    const log = logged();
    const app: WsgiApp = (environ, startResponse) => {
      environ['eventlet.minimum_write_chunk_size'] = 0;
      startResponse('200 OK', []);
      return (async function* () {
        yield 'partial';
        throw new Error('boom mid-body');
      })();
    };
    const res = await toFetchHandler(app, { errors: log.errors })(new Request('http://h.test/'));
    expect(res.status).toBe(200);
    await expect(res.text()).rejects.toThrow();
    expect(log.text()).toContain('boom mid-body');
  });

  it('errors the stream when the body falls short of its Content-Length', async () => {
    const app: WsgiApp = (_environ, startResponse) => {
      startResponse('200 OK', [['Content-Length', '10']]);
      return (function* () {
        yield 'short';
      })();
    };
    const res = await toFetchHandler(app, { errors: () => {} })(new Request('http://h.test/'));
    await expect(res.arrayBuffer()).rejects.toThrow();
  });

  it('answers bad app headers, a bad status, a 1xx final status and a bad body with a 500', async () => {
    const cases: Array<[WsgiApp, string]> = [
      [list('200 OK', [], [['Bad Name', 'x']]), 'is not an HTTP token'],
      [list('200 OK', [], [['X-Split', 'a\r\nInjected: 1']]), 'must be latin-1 text without CR, LF'],
      [list('200 OK', [], [['Connection', 'close']]), 'hop-by-hop'],
      [list('OK', []), 'not "NNN reason"'],
      [list('103 Early Hints', []), 'cannot carry the final status'],
      [(_environ: Environ, startResponse: StartResponse) => {
        startResponse('200 OK', []);
        return 'not a list' as unknown as Body;
      }, 'wrap a single chunk'],
    ];
    for (const [app, said] of cases) {
      const log = logged();
      const res = await toFetchHandler(app, { errors: log.errors })(new Request('http://h.test/'));
      expect(res.status).toBe(500);
      expect(log.text()).toContain(said);
    }
  });

  it('takes write() output before the iterable, and minimumChunkSize coalesces', async () => {
    const app: WsgiApp = (_environ, startResponse) => {
      const write = startResponse('200 OK', []);
      void write('written ');
      return (function* () {
        yield 'a';
        yield 'b';
      })();
    };
    const res = await toFetchHandler(app, { minimumChunkSize: 1024 })(new Request('http://h.test/'));
    const reader = res.body!.getReader();
    const chunks: string[] = [];
    for (let step = await reader.read(); !step.done; step = await reader.read()) chunks.push(Buffer.from(step.value).toString());
    expect(chunks).toEqual(['written ', 'ab']);
  });
});

describe('bad input', () => {
  it('refuses a non-function app and bad options with a TypeError that names them', () => {
    expect(() => toFetchHandler('app' as unknown as WsgiApp)).toThrow(/must be a function/);
    expect(() => toFetchHandler(reporter, { scriptName: 'legacy' })).toThrow(/scriptName must be a path/);
    expect(() => toFetchHandler(reporter, { serverProtocol: 'HTTP/one' })).toThrow(/serverProtocol/);
    expect(() => toFetchHandler(reporter, { remoteAddr: '1.2.3.4' as unknown as () => string })).toThrow(/remoteAddr must be a function/);
  });

  it('rejects the call, without running the app, when remoteAddr throws', async () => {
    let ran = false;
    const app: WsgiApp = (_environ, startResponse) => {
      ran = true;
      startResponse('200 OK', []);
      return [];
    };
    const handler = toFetchHandler(app, { remoteAddr: () => { throw new Error('no peer here'); } });
    await expect(handler(new Request('http://h.test/'))).rejects.toThrow('no peer here');
    expect(ran).toBe(false);
  });

  it('rejects a call with something that is not a Request', async () => {
    await expect(toFetchHandler(reporter)('http://h.test/' as unknown as Request)).rejects.toThrow(/takes a Request/);
  });

  it('exports WsgiError for apps that raise the core errors', () => {
    expect(new WsgiError('WSGI_ERR_BODY', 'x').code).toBe('WSGI_ERR_BODY');
  });
});
