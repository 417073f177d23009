// App errors and cleanup: a 500 before the head (traceback only with debug), an aborted
// connection after it (no false terminator), close() exactly once on every path, an
// abandoned async generator gets return(), wsgi.errors reaches the log, and the server
// keeps serving through all of it.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Body, Chunk, WsgiApp } from '@wsgi-bridge/core';
import { maskDate, RawClient } from './helpers/raw.js';
import { serve, useServer, type TestServer } from './helpers/serve.js';
import { deferred, fetchRaw, logText, parseResponse, request, routes, waitFor } from './helpers/http.js';

/** How often each body's close() ran, and whether a generator's finally block ran, by route. */
let closes: Record<string, number> = {};
let finallies: Record<string, number> = {};
const count = (table: Record<string, number>, key: string): void => {
  table[key] = (table[key] ?? 0) + 1;
};

/** A body whose close() is counted under `name`. */
function counted(name: string, body: Iterable<Chunk> | AsyncIterable<Chunk>): Body {
  return Object.assign(body, { close: () => count(closes, name) });
}

/** An app that sends its head and `sent` at once, then throws `message`; its close() is counted under `name`. */
function throwAfterHead(name: string, headers: Array<[string, string]>, sent: string, message: string): WsgiApp {
  return (e, sr) => {
    e['eventlet.minimum_write_chunk_size'] = 1;
    sr('200 OK', headers);
    return counted(name, (function* () {
      yield sent;
      throw new Error(message);
    })());
  };
}

let gate = deferred();
const CHUNK = Buffer.alloc(64 * 1024, 120);

const apps: Record<string, WsgiApp> = {
  '/ok': (_e, sr) => (sr('200 OK', []), counted('ok', ['fine'])),
  '/ok-generator': (_e, sr) => {
    sr('200 OK', []);
    return counted('ok-generator', (function* () {
      yield 'a';
      yield 'b';
    })());
  },
  '/throw-before': () => {
    throw new Error('kaboom before the head');
  },
  '/reject-before': async () => {
    await new Promise((resolve) => setTimeout(resolve, 1));
    throw new TypeError('async kaboom');
  },
  '/throw-string': () => {
    throw 'a bare string'; // eslint-disable-line no-throw-literal
  },
  // 036: an error after a buffered (not yet sent) yield is still a clean 500
  '/throw-in-iteration': (_e, sr) => {
    sr('200 OK', []);
    return counted('throw-in-iteration', (function* () {
      yield 'buffered, never sent';
      throw new Error('kaboom in the body');
    })());
  },
  // 022/037: an error once bytes are out aborts the connection, chunked or with a Content-Length
  '/throw-after-head': throwAfterHead('throw-after-head', [], 'sent already', 'kaboom after the head'),
  '/throw-after-head-cl': throwAfterHead('throw-after-head-cl', [['Content-Length', '13']], 'partial ', 'kaboom after partial'),
  '/close-throws': (_e, sr) => {
    sr('200 OK', []);
    return Object.assign(['still sent'], { close: () => { throw new Error('close went wrong'); } });
  },
  // endless bodies a client will walk away from
  '/endless-sync': (_e, sr) => {
    sr('200 OK', []);
    return counted('endless-sync', (function* () {
      try {
        for (;;) yield CHUNK;
      } finally {
        count(finallies, 'endless-sync');
      }
    })());
  },
  '/endless-async': (_e, sr) => {
    sr('200 OK', []);
    return counted('endless-async', (async function* () {
      try {
        for (;;) {
          yield CHUNK;
          await new Promise((resolve) => setImmediate(resolve));
        }
      } finally {
        count(finallies, 'endless-async');
      }
    })());
  },
  // the client leaves while the generator is awaiting
  '/waiting-async': (e, sr) => {
    e['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', []);
    return counted('waiting-async', (async function* () {
      try {
        yield 'first';
        await gate.promise;
        yield 'after the client left';
        yield 'never pulled';
      } finally {
        count(finallies, 'waiting-async');
      }
    })());
  },
  '/errors-stream': (e, sr) => {
    const errors = e['wsgi.errors'];
    errors.write('line one\n');
    errors.writelines(['line two\n', 'line three\n']);
    errors.write('no newline');
    errors.flush();
    sr('200 OK', []);
    return ['logged'];
  },
};

/** The server answers a plain request on a new connection: proof it survived. */
async function stillServes(srv: TestServer): Promise<void> {
  expect((await fetchRaw(srv.port, request('GET', '/ok'))).body).toBe('fine');
}

describe.each([true, false])('app errors and close() (debug: %s)', (debug) => {
  const srv = useServer(routes(apps), { debug });
  beforeEach(() => {
    closes = {};
    finallies = {};
  });

  it('close() runs once on success, for a list and for a generator', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/ok') + request('GET', '/ok-generator'));
    expect(parseResponse(await client.readResponse()).body).toBe('fine');
    expect(parseResponse(await client.readResponse()).body).toBe('ab');
    client.close();
    await waitFor(() => closes['ok-generator'] === 1, 'close() of the generator');
    expect(closes).toEqual({ ok: 1, 'ok-generator': 1 });
  });

  for (const [path, message] of [
    ['/throw-before', 'Error: kaboom before the head'],
    ['/reject-before', 'TypeError: async kaboom'],
    ['/throw-in-iteration', 'Error: kaboom in the body'],
  ]) {
    it(`${path}: a 500 with Connection: close, the traceback in the body only with debug (035, 041)`, async () => {
      const client = await RawClient.connect(srv.port);
      client.write(request('GET', path));
      const raw = await client.readToEnd();
      const response = parseResponse(raw);
      expect(maskDate(raw.slice(0, raw.indexOf('\r\n\r\n') + 4))).toBe(
        'HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n' +
        `Content-Length: ${response.rawBody.length}\r\nDate: …\r\nConnection: close\r\n\r\n`,
      );
      if (debug) {
        expect(response.rawBody).toContain(message!);
        expect(response.rawBody).toMatch(/\n {4}at /); // a stack trace, not just the message
      } else {
        expect(response.rawBody).toBe('');
      }
      expect(response.rawBody).not.toContain('buffered, never sent');
      expect(logText(srv)).toContain(`Error in the WSGI app for GET ${path}:\n${message}`);
      await stillServes(srv);
    });
  }

  it('a thrown non-Error is a 500 and logged as what it was', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/throw-string'))).status).toBe(500);
    expect(logText(srv)).toContain('Uncaught non-error value: a bare string');
  });

  it('close() runs once after an error in the body', async () => {
    await fetchRaw(srv.port, request('GET', '/throw-in-iteration'));
    await waitFor(() => closes['throw-in-iteration'] !== undefined, 'close()');
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(closes).toEqual({ 'throw-in-iteration': 1 });
  });

  it('an error after the head aborts the connection: no terminator, no 500, close() once (022)', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/throw-after-head'));
    const raw = await client.readToEnd();
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw.endsWith('\r\n\r\nc\r\nsent already\r\n')).toBe(true);
    expect(raw).not.toContain('500');
    expect(logText(srv)).toContain('Error: kaboom after the head');
    await waitFor(() => closes['throw-after-head'] === 1, 'close()');
    await stillServes(srv);
  });

  it('an error after part of a Content-Length body leaves it short and closes (037)', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/throw-after-head-cl'));
    const response = parseResponse(await client.readToEnd());
    expect([response.status, response.header('content-length'), response.rawBody]).toEqual([200, '13', 'partial ']);
    expect(response.header('connection')).toBeUndefined();
    await stillServes(srv);
  });

  it('an error in close() is logged and does not disturb the response', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/close-throws'))).body).toBe('still sent');
    await waitFor(() => logText(srv).includes("Error in the body's close():\nError: close went wrong"), 'the close() error in the log');
    await stillServes(srv);
  });

  for (const kind of ['sync', 'async']) {
    it(`a client that leaves an endless ${kind} body: the generator is stopped, close() once (042)`, async () => {
      const name = `endless-${kind}`;
      const client = await RawClient.connect(srv.port);
      client.write(request('GET', `/${name}`));
      await client.readUntil('x'.repeat(1000));
      client.close();
      await waitFor(() => closes[name] === 1 && finallies[name] === 1, `close() and finally of ${name}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect([closes[name], finallies[name]]).toEqual([1, 1]);
      await stillServes(srv);
    });
  }

  it('an async generator awaiting when the client leaves gets return() once it resumes', async () => {
    gate = deferred();
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/waiting-async'));
    await client.readUntil('first\r\n');
    client.close();
    // the server learns the client left while the generator is parked on the gate
    await waitFor(() => closes['waiting-async'] === 1, 'close() while the generator waits');
    gate.resolve();
    await waitFor(() => finallies['waiting-async'] === 1, 'the generator\'s finally block');
    expect(closes['waiting-async']).toBe(1);
    await stillServes(srv);
  });
});

describe('wsgi.errors', () => {
  it('write, writelines and flush reach the server log as written', async () => {
    const srv = await serve(routes(apps));
    try {
      expect((await fetchRaw(srv.port, request('GET', '/errors-stream'))).body).toBe('logged');
      const start = srv.log.indexOf('line one\n');
      expect(srv.log.slice(start, start + 4)).toEqual(['line one\n', 'line two\n', 'line three\n', 'no newline']);
    } finally {
      await srv.close();
    }
  });

  it('go to a logger object\'s info(), and nowhere with logOutput: false', async () => {
    const infos: string[] = [];
    const withLogger = await serve(routes(apps), { log: { info: (m: string) => infos.push(m), debug: () => {} } });
    await fetchRaw(withLogger.port, request('GET', '/errors-stream'));
    await withLogger.close();
    expect(infos).toEqual(expect.arrayContaining(['line one', 'line two', 'line three', 'no newline']));

    const silent = await serve(routes(apps), { logOutput: false });
    await fetchRaw(silent.port, request('GET', '/errors-stream'));
    await fetchRaw(silent.port, request('GET', '/throw-before'));
    await silent.close();
    expect(silent.log).toEqual([]);
  });
});
