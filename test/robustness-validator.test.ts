// The validator: each rule caught on a hand-made environ or a misbehaving app (direct
// calls, no sockets), well-behaved apps pass clean, and over a real server a violation
// becomes the server's usual 500 with the rule id in wsgi.errors.
import { describe, expect, it } from 'vitest';
import { ValidationError, validationRules, type Body, type Environ, type StartResponse, type WsgiApp } from '@wsgi-bridge/core';
import { WsgiErrors, WsgiInput } from '@wsgi-bridge/core/adapter';
import { fetchRaw, logText, request } from './helpers/http.js';
import { serve } from './helpers/serve.js';
import { rulesOf, validated } from './helpers/validated.js';

/** Keys to set (undefined: delete), or a function to make what a server should never make. */
type Patch = Record<string, unknown> | ((environ: Environ) => Environ);

/** A well-formed environ, as a server would build it for `GET /path?q=1`, then patched. */
function environFor(patch: Patch): Environ {
  const input = new WsgiInput({ next: () => Promise.resolve(null) }, null);
  const environ: Record<string, unknown> = {
    REQUEST_METHOD: 'GET', SCRIPT_NAME: '', PATH_INFO: '/path', RAW_PATH_INFO: '/path', QUERY_STRING: 'q=1',
    SERVER_NAME: '127.0.0.1', SERVER_PORT: '8090', SERVER_PROTOCOL: 'HTTP/1.1', REMOTE_ADDR: '127.0.0.1',
    REMOTE_PORT: '50000', GATEWAY_INTERFACE: 'CGI/1.1', HTTP_HOST: 'localhost',
    'wsgi.version': [1, 0], 'wsgi.url_scheme': 'http', 'wsgi.input': input, 'wsgi.errors': new WsgiErrors(() => {}),
    'wsgi.multithread': true, 'wsgi.multiprocess': false, 'wsgi.run_once': false,
    'eventlet.input': input, 'eventlet.posthooks': [],
  };
  if (typeof patch === 'function') return patch(environ as Environ);
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) delete environ[key];
    else environ[key] = value;
  }
  return environ as Environ;
}

/** How the fake server treats the body: by default, iterate it to the end, then close() once. */
type Drive = (body: Body) => Promise<void>;

async function iterate(body: Body): Promise<void> {
  for await (const _chunk of body as AsyncIterable<unknown>) void _chunk;
}
const normally: Drive = async (body) => {
  await iterate(body);
  await body.close?.();
};

/** Run `app` as a minimal server would, post hooks included; return the rules broken. */
async function findings(app: WsgiApp, patch: Patch = {}, drive = normally): Promise<string[]> {
  const checked = validated(app);
  const environ = environFor(patch);
  const startResponse: StartResponse = () => () => undefined;
  try {
    await drive(await checked(environ, startResponse));
    for (const [hook] of environ['eventlet.posthooks']) hook(environ);
  } catch (err) {
    // Each violation is raised where it happened, and the lists have them all; any other
    // error is the test's own failure.
    if (!(err instanceof ValidationError)) throw err;
  }
  return rulesOf([...checked.violations, ...checked.warnings]);
}

const ok: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
};
const respond = (status: string, headers: unknown): WsgiApp => (_env, startResponse) => {
  startResponse(status, headers as Array<[string, string]>);
  return [];
};
const returning = (value: unknown): WsgiApp => (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return value as Body;
};
const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];

/** rule → a case that breaks it: an environ patch, an app, or a server that misuses the body. */
const cases: Array<[rule: string, what: string, app: WsgiApp, patch?: Patch, drive?: Drive]> = [
  ['WSGI-V1', 'environ with a null prototype', ok, (env) => Object.setPrototypeOf(env, null) as Environ],
  ['WSGI-V2', 'no REQUEST_METHOD', ok, { REQUEST_METHOD: undefined }],
  ['WSGI-V2', 'no QUERY_STRING', ok, { QUERY_STRING: undefined }],
  ['WSGI-V3', 'a number as REMOTE_PORT', ok, { REMOTE_PORT: 50000 }],
  ['WSGI-V3', 'a non-latin-1 PATH_INFO', ok, { PATH_INFO: '/\u0100' }],
  ['WSGI-V4', 'HTTP_CONTENT_LENGTH', ok, { HTTP_CONTENT_LENGTH: '5' }],
  ['WSGI-V5', 'a method with a space', ok, { REQUEST_METHOD: 'GE T' }],
  ['WSGI-V6', 'a relative PATH_INFO', ok, { PATH_INFO: 'path' }],
  ['WSGI-V6', 'SCRIPT_NAME "/"', ok, { SCRIPT_NAME: '/' }],
  ['WSGI-V6', '"*" for GET', ok, { PATH_INFO: '*' }],
  ['WSGI-V7', 'CONTENT_LENGTH "+5"', ok, { CONTENT_LENGTH: '+5' }],
  ['WSGI-V8', 'SERVER_PROTOCOL "HTTP/2"', ok, { SERVER_PROTOCOL: 'HTTP/2' }],
  ['WSGI-V9', 'wsgi.version [1, 1]', ok, { 'wsgi.version': [1, 1] }],
  ['WSGI-V10', 'wsgi.url_scheme "ftp"', ok, { 'wsgi.url_scheme': 'ftp' }],
  ['WSGI-V11', 'an input without readlines', ok, { 'wsgi.input': { read() {}, readline() {} } }],
  ['WSGI-V12', 'wsgi.run_once "no"', ok, { 'wsgi.run_once': 'no' }],
  ['WSGI-V12', 'evy.posthooks replaced by an object', ok, { 'evy.posthooks': {} }],
  ['WSGI-V13', 'CR LF in a header value', ok, { HTTP_X_A: 'a\r\nX-B: b' }],
  ['WSGI-V20', 'one argument', (_env, startResponse) => {
    (startResponse as unknown as (status: string) => void)('200 OK');
    return [];
  }],
  ['WSGI-V21', 'status "200"', respond('200', TEXT)],
  ['WSGI-V21', 'status "099 Low"', respond('099 Low', TEXT)],
  ['WSGI-V21', 'a CR in the status', respond('200 OK\r', TEXT)],
  ['WSGI-V22', 'headers as an object', respond('200 OK', { 'Content-Type': 'text/plain' })],
  ['WSGI-V22', 'a number as a value', respond('200 OK', [...TEXT, ['X-N', 1]])],
  ['WSGI-V23', 'a name ending in _', respond('200 OK', [...TEXT, ['X-Bad_', 'v']])],
  ['WSGI-V23', 'a Status header', respond('200 OK', [...TEXT, ['Status', '200']])],
  ['WSGI-V24', 'a control character', respond('200 OK', [...TEXT, ['X-A', 'a\x01']])],
  ['WSGI-V25', 'Connection', respond('200 OK', [...TEXT, ['Connection', 'close']])],
  ['WSGI-V26', 'Content-Length "+5"', respond('200 OK', [...TEXT, ['Content-Length', '+5']])],
  ['WSGI-V26', 'a 204 with Content-Type', respond('204 No Content', TEXT)],
  ['WSGI-V27', 'no Content-Type', respond('200 OK', [])],
  ['WSGI-V28', 'start_response twice', (_env, startResponse) => {
    startResponse('200 OK', TEXT);
    startResponse('201 Created', TEXT);
    return [];
  }],
  ['WSGI-V30', 'write(42)', (_env, startResponse) => {
    (startResponse('200 OK', TEXT) as (chunk: unknown) => void)(42);
    return [];
  }],
  ['WSGI-V31', 'write() after close()', (env, startResponse) => {
    const write = startResponse('200 OK', TEXT);
    env['eventlet.posthooks'].push([() => write('late')]);
    return [];
  }],
  ['WSGI-V40', 'null', returning(null)],
  ['WSGI-V40', 'a string', returning('body')],
  ['WSGI-V40', 'a number', returning(42)],
  ['WSGI-V40', 'a Buffer', returning(Buffer.from('body'))],
  ['WSGI-V41', 'a number chunk', returning([42])],
  ['WSGI-V41', 'an object from a generator', returning((function* () { yield {}; })())],
  ['WSGI-V42', 'a chunk before start_response', () => (function* () { yield 'early'; })()],
  ['WSGI-V42', 'no start_response at all', () => []],
  ['WSGI-V43', 'a short body', (_env, startResponse) => {
    startResponse('200 OK', [...TEXT, ['Content-Length', '10']]);
    return (function* () { yield 'abc'; })();
  }],
  ['WSGI-V44', 'a HEAD body', ok, { REQUEST_METHOD: 'HEAD' }],
  ['WSGI-V50', 'iterated twice', returning((function* () { yield 'a'; })()), {}, async (body) => {
    await iterate(body);
    await iterate(body);
    await body.close?.();
  }],
  ['WSGI-V51', 'next() after close()', returning((async function* () { yield 'a'; })()), {}, async (body) => {
    const it = (body as AsyncIterable<unknown>)[Symbol.asyncIterator]();
    await body.close?.();
    await it.next();
  }],
  ['WSGI-V52', 'close() twice', ok, {}, async (body) => {
    await normally(body);
    await body.close?.();
  }],
  ['WSGI-V52', 'close() never', ok, {}, iterate],
  ['WSGI-V53', 'read(2) giving 5 bytes', async (env, startResponse) => {
    await env['wsgi.input'].read(2);
    return ok(env, startResponse);
  }, { 'wsgi.input': { read: async () => Buffer.from('12345'), readline() {}, readlines() {}, [Symbol.asyncIterator]() {} } }],
  ['WSGI-V54', 'read("1")', async (env, startResponse) => {
    await env['wsgi.input'].read('1' as unknown as number).catch(() => null);
    return ok(env, startResponse);
  }],
  ['WSGI-V54', 'wsgi.errors.write(42)', (env, startResponse) => {
    (env['wsgi.errors'].write as (value: unknown) => void)(42);
    return ok(env, startResponse);
  }],
];

describe('validator rules', () => {
  it.each(cases)('%s: %s', async (rule, _what, app, patch, drive) => {
    expect(await findings(app, patch, drive)).toContain(rule);
  });

  it('closes a body it refuses, once, as the server would have', async () => {
    let closed = 0;
    const refused = Object.assign([42], { close: () => void (closed += 1) });
    expect(await findings(returning(refused))).toEqual(['WSGI-V41']);
    expect(closed).toBe(1);
  });

  it('gives every rule a case here', () => {
    const covered = new Set(cases.map(([rule]) => rule));
    expect(Object.keys(validationRules).filter((rule) => !covered.has(rule))).toEqual([]);
  });
});

/** Apps that keep the contract in each way it can be kept. */
const wellBehaved: Record<string, WsgiApp> = {
  list: ok,
  'a generator calling start_response inside': (_env, startResponse) => (function* () {
    startResponse('200 OK', [...TEXT, ['Content-Length', '5']]);
    yield '';
    yield 'hello';
  })(),
  'an async generator after reading the input': async (env, startResponse) => {
    const body = await env['wsgi.input'].read(10);
    startResponse('200 OK', TEXT);
    return (async function* () {
      yield body;
      yield new Uint8Array([104, 105]);
    })();
  },
  'write() then an empty list': (env, startResponse) => {
    env['wsgi.errors'].write('a log line\n');
    const write = startResponse('200 OK', TEXT);
    write('written');
    return [];
  },
  'a 204 and a 304': (env, startResponse) => {
    startResponse(env.PATH_INFO === '/path' ? '204 No Content' : '304 Not Modified', []);
    return [];
  },
  'exc_info replacing the status': (_env, startResponse) => {
    startResponse('200 OK', TEXT);
    startResponse('500 Internal Server Error', TEXT, new Error('broke'));
    return ['sorry'];
  },
};

describe('validator on well-behaved apps', () => {
  it.each(Object.entries(wellBehaved))('%s: no findings', async (_name, app) => {
    expect(await findings(app)).toEqual([]);
  });

  it('passes an OPTIONS * and a mounted SCRIPT_NAME', async () => {
    expect(await findings(ok, { REQUEST_METHOD: 'OPTIONS', PATH_INFO: '*' })).toEqual([]);
    expect(await findings(ok, { SCRIPT_NAME: '/legacy', PATH_INFO: '' })).toEqual([]);
  });
});

describe('validator over a real server', () => {
  it('turns a violation into a 500 with the rule in wsgi.errors, and passes a clean request', async () => {
    const badStatus = validated((env, startResponse) =>
      env.PATH_INFO === '/bad' ? respond('200', TEXT)(env, startResponse) : ok(env, startResponse));
    const server = await serve(badStatus, { debug: false });
    try {
      expect((await fetchRaw(server.port, request('GET', '/bad'))).status).toBe(500);
      expect(logText(server)).toMatch(/WSGI validation failed: WSGI-V21 \(the status is "NNN reason"/);
      expect(rulesOf(badStatus.violations)).toEqual(['WSGI-V21']);
      const good = await fetchRaw(server.port, request('GET', '/good'));
      expect([good.status, good.body]).toEqual([200, 'ok']);
      expect(rulesOf(badStatus.violations)).toEqual(['WSGI-V21']);
    } finally {
      await server.close();
    }
  });
});
