// wsgiPlugin's response side as Fastify sees it: hooks and the logger get the WSGI
// status, app errors reach Fastify's error handler (or abort once bytes are out), and
// eventlet's post hooks run after the response.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { wsgiPlugin } from '@wsgi-bridge/fastify';
import { deferred, fetchRaw, parseResponse, request, routes, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

/** One line of Fastify's JSON log, the parts these tests read. */
interface LogLine {
  level: number;
  msg: string;
  res?: { statusCode: number };
}

const ERROR_LEVEL = 50;

/** Resolved by the test once the client has the first bytes of /throw-late. */
let clientSawBytes = deferred();

const apps: Record<string, WsgiApp> = {
  '/list': (_env, startResponse) => {
    startResponse('201 Created', [['Content-Type', 'text/plain'], ['X-App', 'app'], ['Set-Cookie', 'app=1']]);
    return ['made'];
  },
  '/odd-names': (_env, startResponse) => {
    // Token names that are also Object.prototype's: grouping must not treat them as keys of {},
    // and Fastify's header object cannot hold __proto__ at all.
    startResponse('200 OK', [
      ['Content-Type', 'text/plain'], ['constructor', 'a'], ['toString', 'b'], ['constructor', 'c'],
      ['__proto__', 'd'], ['__proto__', 'e'],
    ]);
    return ['odd'];
  },
  '/stream': (_env, startResponse) => {
    startResponse('206 Partial Content', [['Content-Type', 'text/plain']]);
    return (async function* () {
      yield 'part ';
      yield 'two';
    })();
  },
  '/teapot': (_env, startResponse) => {
    startResponse("418 I'm a teapot", [['Content-Type', 'text/plain']]);
    return ['short and stout'];
  },
  '/throw': () => {
    throw new TypeError('thrown before start_response');
  },
  '/throw-string': () => {
    throw 'a bare string';
  },
  '/status-700': (_env, startResponse) => {
    startResponse('700 Beyond', [['Content-Type', 'text/plain']]);
    return ['never sent'];
  },
  '/throw-in-body': (_env, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return (async function* () {
      yield '';
      throw new RangeError('thrown before the first byte');
    })();
  },
  '/throw-late': (env, startResponse) => {
    env['eventlet.minimum_write_chunk_size'] = 0;
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return (async function* () {
      yield 'first bytes out';
      await clientSawBytes.promise;
      throw new Error('thrown after bytes went out');
    })();
  },
};

/** Fastify with a JSON log captured in `lines`. */
function loggedFastify(lines: LogLine[]): FastifyInstance {
  return Fastify({ logger: { level: 'info', stream: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) } } });
}

async function listening(fastify: FastifyInstance): Promise<number> {
  await fastify.listen({ port: 0, host: '127.0.0.1' });
  return (fastify.server.address() as AddressInfo).port;
}

describe('hooks, logger and error handler see the WSGI response', () => {
  const lines: LogLine[] = [];
  const fastify = loggedFastify(lines);
  const onSend: Array<[string, number]> = [];
  const onResponse: Array<[string, number]> = [];
  const handled: unknown[] = [];
  let port = 0;

  beforeAll(async () => {
    fastify.addHook('preHandler', async (_request, reply) => {
      reply.header('x-from-hook', 'hook').header('x-app', 'hook').header('set-cookie', 'hook=1');
    });
    fastify.addHook('onSend', async (request, reply, payload) => {
      onSend.push([request.url, reply.statusCode]);
      reply.header('x-status-seen', String(reply.statusCode));
      return payload;
    });
    fastify.addHook('onResponse', async (request, reply) => {
      onResponse.push([request.url, reply.statusCode]);
    });
    fastify.setErrorHandler<Error>(async (error, _request, reply) => {
      handled.push(error);
      reply.code(503);
      return { handled: error.message };
    });
    await fastify.register(wsgiPlugin, { app: routes(apps), prefix: '/w' });
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());
  beforeEach(() => {
    onSend.length = 0;
    onResponse.length = 0;
    handled.length = 0;
    lines.length = 0;
  });

  it.each([
    ['/w/list', 201, 'made'],
    ['/w/stream', 206, 'part two'],
    ['/w/teapot', 418, 'short and stout'],
  ])('%s: onSend and onResponse see %i, and headers from hooks go out beside the app\'s', async (url, status, body) => {
    const res = await fetchRaw(port, request('GET', url));
    expect(res.status).toBe(status);
    expect(res.body).toBe(body);
    expect(res.header('x-status-seen')).toBe(String(status));
    expect(res.header('x-from-hook')).toBe('hook');
    expect(onSend).toEqual([[url, status]]);
    await waitFor(() => onResponse.length === 1, 'onResponse');
    expect(onResponse).toEqual([[url, status]]);
  });

  it("on a name both set, the app's header replaces the hook's, but Set-Cookie keeps both", async () => {
    const res = await fetchRaw(port, request('GET', '/w/list'));
    expect(res.header('x-app')).toBe('app');
    expect(res.count('x-app')).toBe(1);
    expect(res.headers.filter(([name]) => name === 'set-cookie').map(([, value]) => value)).toEqual(['hook=1', 'app=1']);
  });

  it("Fastify's request log records the app's status code", async () => {
    await fetchRaw(port, request('GET', '/w/teapot'));
    await waitFor(() => lines.some((line) => line.msg === 'request completed'), 'the request log');
    expect(lines.find((line) => line.msg === 'request completed')?.res?.statusCode).toBe(418);
  });

  it('header names such as constructor, toString and __proto__ go out like any other, repeats grouped', async () => {
    const res = await fetchRaw(port, request('GET', '/w/odd-names'));
    expect(res.status).toBe(200);
    expect(res.headers.filter(([name]) => name === 'constructor').map(([, value]) => value)).toEqual(['a', 'c']);
    expect(res.header('tostring')).toBe('b');
    expect(res.headers.filter(([name]) => name === '__proto__').map(([, value]) => value)).toEqual(['d', 'e']);
  });

  it.each([
    ['/w/throw', 'thrown before start_response'],
    ['/w/throw-in-body', 'thrown before the first byte'],
    // A non-Error is wrapped, as for Express's next(), and kept as the cause.
    ['/w/throw-string', "the WSGI app threw 'a bare string'"],
  ])('%s: an app error before any byte reaches setErrorHandler, and onSend sees its answer', async (url, message) => {
    const res = await fetchRaw(port, request('GET', url));
    expect(res.status).toBe(503);
    expect(JSON.parse(res.body)).toEqual({ handled: message });
    expect(handled).toHaveLength(1);
    expect(handled[0]).toBeInstanceOf(Error);
    if (url === '/w/throw-string') expect((handled[0] as Error).cause).toBe('a bare string');
    expect(onSend).toEqual([[url, 503]]);
  });

  it('a status Fastify refuses (above 599) reaches setErrorHandler as its error', async () => {
    const res = await fetchRaw(port, request('GET', '/w/status-700'));
    expect(res.status).toBe(503);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toMatchObject({ code: 'FST_ERR_BAD_STATUS_CODE' });
  });

  it('an app error after bytes went out aborts the connection: no terminating chunk, and it is logged', async () => {
    const client = await RawClient.connect(port);
    try {
      clientSawBytes = deferred();
      client.write(request('GET', '/w/throw-late'));
      const head = await client.readUntil('first bytes out');
      expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      clientSawBytes.resolve();
      expect(await client.readToEnd()).not.toContain('0\r\n\r\n');
    } finally {
      client.close();
    }
    expect(handled).toEqual([]);
    await waitFor(() => lines.some((line) => line.level === ERROR_LEVEL && line.msg.includes('thrown after bytes went out')), 'the error in the log');
  });

  it('an app error before any byte is also written to the log, with its traceback', async () => {
    await fetchRaw(port, request('GET', '/w/throw'));
    const logged = lines.find((line) => line.level === ERROR_LEVEL && line.msg.includes('Error in the WSGI app'));
    expect(logged?.msg).toContain('TypeError: thrown before start_response');
  });
});

describe("Fastify's default error handler, and debug", () => {
  const errors: string[] = [];
  const fastify = Fastify();
  let called = 0;
  let port = 0;

  beforeAll(async () => {
    await fastify.register(wsgiPlugin, { app: routes(apps), prefix: '/plain', errors: (text) => errors.push(text) });
    await fastify.register(async (debugged) => {
      debugged.setErrorHandler(async () => {
        called += 1;
        return 'not expected';
      });
      await debugged.register(wsgiPlugin, { app: routes(apps), prefix: '/debug', debug: true, errors: (text) => errors.push(text) });
    });
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());

  it('without setErrorHandler, Fastify answers a 500 naming the error', async () => {
    const res = await fetchRaw(port, request('GET', '/plain/throw'));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'thrown before start_response' });
    expect(errors.join('')).toContain('TypeError: thrown before start_response');
  });

  it("with debug, the core's 500 carries the traceback and the error handler is not used", async () => {
    const res = await fetchRaw(port, request('GET', '/debug/throw'));
    expect(res.status).toBe(500);
    expect(res.header('content-type')).toBe('text/plain');
    expect(res.body).toContain('TypeError: thrown before start_response');
    expect(res.body).toMatch(/\n\s+at /);
    expect(called).toBe(0);
  });
});

describe('an onSend hook that fails on a streamed body', () => {
  const fastify = Fastify();
  const seen = { finallyRan: false, posthooks: 0 };
  let port = 0;

  beforeAll(async () => {
    fastify.addHook('onSend', async () => {
      throw new Error('onSend refused the body');
    });
    await fastify.register(wsgiPlugin, {
      errors: () => {},
      app: (environ, startResponse) => {
        environ['eventlet.posthooks'].push([() => (seen.posthooks += 1)]);
        startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
        return (function* () {
          try {
            for (let i = 0; i < 1024; i++) yield Buffer.alloc(64 * 1024);
          } finally {
            seen.finallyRan = true;
          }
        })();
      },
    });
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());

  it("gets Fastify's error answer, and the app's body is closed and its post hooks run", async () => {
    const res = await fetchRaw(port, request('GET', '/'));
    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toMatchObject({ message: 'onSend refused the body' });
    await waitFor(() => seen.posthooks === 1, 'the post hook');
    expect(seen.finallyRan).toBe(true);
  });
});

describe('post hooks (eventlet.posthooks)', () => {
  const events: string[] = [];
  const errors: string[] = [];
  const fastify = Fastify();
  let port = 0;

  const app: WsgiApp = (environ, startResponse) => {
    const hooks = environ['eventlet.posthooks'];
    hooks.push([(env: Environ, a: unknown, kwargs: unknown) => events.push(`hook ${env.PATH_INFO} ${String(a)} ${JSON.stringify(kwargs)}`), ['one'], { k: 2 }]);
    if (environ.PATH_INFO === '/failing') {
      hooks.unshift([() => {
        throw new Error('post hook failed');
      }]);
    }
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return ['body'];
  };

  beforeAll(async () => {
    fastify.addHook('onResponse', (request, _reply, done) => {
      events.push(`onResponse ${request.url}`);
      done();
    });
    await fastify.register(wsgiPlugin, { app, prefix: '/p', errors: (text) => errors.push(text) });
    port = await listening(fastify);
  });
  afterAll(() => fastify.close());
  beforeEach(() => {
    events.length = 0;
  });

  it('run once, with their args and kwargs, after Fastify has finished the response', async () => {
    const res = await fetchRaw(port, request('GET', '/p/ok'));
    expect(res.body).toBe('body');
    await waitFor(() => events.length === 2, 'the post hook');
    expect(events).toEqual(['onResponse /p/ok', 'hook /ok one {"k":2}']);
  });

  it('one that throws is logged, the next still runs, and the connection serves another request', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/p/failing'));
      expect(parseResponse(await client.readResponse()).body).toBe('body');
      await waitFor(() => events.includes('hook /failing one {"k":2}'), 'the second post hook');
      expect(errors.join('')).toContain('post hook failed');
      client.write(request('GET', '/p/again'));
      expect(parseResponse(await client.readResponse()).body).toBe('body');
    } finally {
      client.close();
    }
  });
});
