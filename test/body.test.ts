// Response bodies and their framing: list vs sync vs async iterables, Content-Length for
// lists, chunked on 1.1, close-delimited on 1.0, no body for HEAD/204/304, headers held
// until the first non-empty chunk, an app's Content-Length never exceeded, and write().
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { maskDate, RawClient } from './helpers/raw.js';
import { useServer } from './helpers/serve.js';
import { chunkSizes, deferred, fetchRaw, logText, parseResponse, request, routes, waitFor } from './helpers/http.js';

const TEXT: [string, string] = ['Content-Type', 'text/plain'];
const MiB = 1024 * 1024;

/** What a write() after the end of the response did. */
let lateWrite = deferred<unknown>();

/** Lets a test release an async body step by step. */
let gate = deferred();
let generatorFinished = false;

const apps: Record<string, WsgiApp> = {
  '/list': (_e, sr) => (sr('200 OK', [TEXT]), ['hello ', 'world']),
  '/list-bytes': (_e, sr) => (sr('200 OK', []), [new Uint8Array([0x68, 0x69]), Buffer.from('!')]),
  '/list-own-length': (_e, sr) => (sr('200 OK', [['content-length', '5']]), ['he', 'llo']),
  '/utf8': (_e, sr) => (sr('200 OK', []), ['é€']),
  '/empty-list': (_e, sr) => (sr('200 OK', []), []),
  '/sync-gen': (_e, sr) => {
    sr('200 OK', [TEXT]);
    return (function* () {
      yield 'ab';
      yield 'cd';
    })();
  },
  '/async-gen': (_e, sr) => {
    sr('200 OK', [TEXT]);
    return (async function* () {
      yield 'async ';
      await new Promise((resolve) => setTimeout(resolve, 5));
      yield Buffer.from('body');
    })();
  },
  // PEP 3333 lets start_response wait until the first iteration
  '/lazy-start': (_e, sr) => (function* () {
    sr('201 Created', [['X-Lazy', 'yes']]);
    yield 'lazy';
  })(),
  '/lazy-start-async': (_e, sr) => (async function* () {
    await new Promise((resolve) => setTimeout(resolve, 1));
    sr('202 Accepted', []);
    yield 'lazy async';
  })(),
  '/async-app': async (_e, sr) => {
    await new Promise((resolve) => setTimeout(resolve, 5));
    sr('200 OK', []);
    return ['from a promise'];
  },
  '/big-chunks': (_e, sr) => {
    sr('200 OK', []);
    return (function* () {
      for (let i = 0; i < 10; i++) yield Buffer.alloc(8192, 97 + i);
    })();
  },
  '/empty-strings': (e, sr) => {
    e['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', []);
    return ['stuff', '', 'more stuff'][Symbol.iterator]();
  },
  '/only-empty': (_e, sr) => {
    sr('200 OK', []);
    return (function* () {
      yield '';
    })();
  },
  '/empty-gen': (_e, sr) => {
    sr('200 OK', []);
    return (function* () {})();
  },
  '/bodyless': (e, sr) => {
    sr(e.QUERY_STRING === '' ? '200 OK' : `${e.QUERY_STRING} Bodyless`, [TEXT]);
    return e.HTTP_X_STREAM ? (function* () { yield 'streamed'; })() : ['hello'];
  },
  '/held': (e, sr) => {
    e['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', []);
    return (async function* () {
      yield '';
      await gate.promise; // the head must not go out before this
      yield 'released';
    })();
  },
  '/excess-list': (_e, sr) => (sr('200 OK', [['Content-Length', '5']]), ['hello world']),
  '/excess-gen': (e, sr) => {
    e['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', [['Content-Length', '5']]);
    generatorFinished = false;
    return (function* () {
      try {
        yield 'hel';
        yield 'lo world';
        yield 'never asked for';
      } finally {
        generatorFinished = true;
      }
    })();
  },
  '/short': (_e, sr) => (sr('200 OK', [['Content-Length', '10']]), ['hello']),
  '/short-gen': (_e, sr) => {
    sr('200 OK', [['Content-Length', '10']]);
    return (function* () { yield 'hello'; })();
  },
  '/write-cl': (_e, sr) => {
    const write = sr('200 OK', [['Content-Length', '11']]);
    write('hello ');
    write('world');
    return [];
  },
  '/write-only': (_e, sr) => {
    const write = sr('200 OK', []);
    write('written');
    write('');
    write(' twice');
    return [];
  },
  '/write-then-body': async (_e, sr) => {
    const write = sr('200 OK', []);
    await write('w');
    return ['returned'];
  },
  // Writes bigger than the socket buffers, so write() has to return a promise.
  '/two-writes': async (_e, sr) => {
    const write = sr('200 OK', []);
    const first = write(Buffer.alloc(4 * MiB, 97));
    const second = write(Buffer.alloc(4 * MiB, 98));
    const outcome = await Promise.race([
      Promise.all([first, second]).then(() => 'both resolved'),
      new Promise((resolve) => setTimeout(() => resolve('a write() promise never resolved'), 3000)),
    ]);
    return [`|${String(outcome)}`];
  },
  '/write-in-async-gen': (_e, sr) => {
    const write = sr('200 OK', []);
    return (async function* () {
      void write(Buffer.alloc(4 * MiB, 97)); // not awaited: the drain must not end the body's next step
      await new Promise((resolve) => setTimeout(resolve, 200));
      yield '|tail';
    })();
  },
  '/late-write': (_e, sr) => {
    const write = sr('200 OK', []);
    setTimeout(() => {
      try {
        write('too late');
        lateWrite.resolve('returned');
      } catch (err) {
        lateWrite.resolve(err);
      }
    }, 50);
    return ['done'];
  },
  '/bad-chunk': (_e, sr) => (sr('200 OK', []), [42 as unknown as string]),
  '/bare-string': (_e, sr) => (sr('200 OK', []), 'not a list' as unknown as string[]),
};

describe('response bodies', () => {
  const srv = useServer(routes(apps), { debug: false });

  /** One request on a fresh connection; the raw response and whether the server then closed. */
  async function exchange(bytes: string): Promise<{ raw: string; closed: boolean }> {
    const client = await RawClient.connect(srv.port);
    client.write(bytes);
    const raw = await client.readResponse();
    const closed = await client.closesWithin(100);
    client.close();
    return { raw, closed };
  }

  it('a list gets a Content-Length and keeps the connection', async () => {
    const { raw, closed } = await exchange(request('GET', '/list'));
    expect(maskDate(raw)).toBe('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 11\r\nDate: …\r\n\r\nhello world');
    expect(closed).toBe(false);
  });

  it('lists of bytes, UTF-8 strings, and an empty list', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/list-bytes'))).rawBody).toBe('hi!');
    const utf8 = await fetchRaw(srv.port, request('GET', '/utf8'));
    expect(utf8.header('content-length')).toBe('5');
    expect(Buffer.from(utf8.rawBody, 'latin1').toString('utf8')).toBe('é€');
    const empty = await fetchRaw(srv.port, request('GET', '/empty-list'));
    expect([empty.header('content-length'), empty.rawBody]).toEqual(['0', '']);
  });

  it('an app Content-Length plus a list gives exactly one Content-Length (016)', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/list-own-length'));
    expect(response.count('content-length')).toBe(1);
    expect(response.body).toBe('hello');
  });

  it('a sync generator on HTTP/1.1 is chunked, small yields coalesced into one chunk', async () => {
    const { raw, closed } = await exchange(request('GET', '/sync-gen'));
    expect(maskDate(raw)).toBe(
      'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: …\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n0\r\n\r\n',
    );
    expect(closed).toBe(false);
  });

  it('an async generator and an async app', async () => {
    const gen = await fetchRaw(srv.port, request('GET', '/async-gen'));
    expect([gen.header('transfer-encoding'), gen.body]).toEqual(['chunked', 'async body']);
    const app = await fetchRaw(srv.port, request('GET', '/async-app'));
    expect([app.header('content-length'), app.body]).toEqual(['14', 'from a promise']);
  });

  it('start_response may be called from inside the generator, sync or async', async () => {
    const sync = await fetchRaw(srv.port, request('GET', '/lazy-start'));
    expect([sync.statusLine, sync.header('x-lazy'), sync.body]).toEqual(['HTTP/1.1 201 Created', 'yes', 'lazy']);
    const async = await fetchRaw(srv.port, request('GET', '/lazy-start-async'));
    expect([async.statusLine, async.body]).toEqual(['HTTP/1.1 202 Accepted', 'lazy async']);
  });

  it('ten 8 KiB yields go out as ten chunks and a terminator (011)', async () => {
    const response = await fetchRaw(srv.port, request('GET', '/big-chunks'));
    expect(chunkSizes(response.rawBody)).toEqual([...Array(10).fill(8192), 0]);
    expect(response.body).toBe(Array.from({ length: 10 }, (_, i) => String.fromCharCode(97 + i).repeat(8192)).join(''));
  });

  it('empty yields are skipped; a body of only empty yields is just the terminator', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/empty-strings'))).rawBody).toBe('5\r\nstuff\r\na\r\nmore stuff\r\n0\r\n\r\n');
    expect((await fetchRaw(srv.port, request('GET', '/only-empty'))).rawBody).toBe('0\r\n\r\n');
    const { raw, closed } = await exchange(request('GET', '/empty-gen'));
    expect(parseResponse(raw).rawBody).toBe('0\r\n\r\n');
    expect(closed).toBe(false);
  });

  it('a generator on HTTP/1.0 is close-delimited, with or without keep-alive (010, close_chunked_with_1_0_client)', async () => {
    for (const headers of [[], [['Connection', 'keep-alive']]] as Array<Array<[string, string]>>) {
      const { raw, closed } = await exchange(request('GET', '/sync-gen', headers, '', 'HTTP/1.0'));
      const response = parseResponse(raw);
      expect(response.header('transfer-encoding')).toBeUndefined();
      expect(response.header('connection')).toBe('close');
      expect(response.rawBody).toBe('abcd');
      expect(closed).toBe(true);
    }
  });

  describe('HEAD, 204 and 304 never carry a body [Q: eventlet sends what the app returns]', () => {
    const cases: Array<[what: string, bytes: string, status: number]> = [
      ['HEAD of a list', request('HEAD', '/bodyless'), 200],
      ['HEAD of a generator', request('HEAD', '/bodyless', [['X-Stream', '1']]), 200],
      ['204 list', request('GET', '/bodyless?204'), 204],
      ['204 generator', request('GET', '/bodyless?204', [['X-Stream', '1']]), 204],
      ['304 list', request('GET', '/bodyless?304'), 304],
      ['304 generator', request('GET', '/bodyless?304', [['X-Stream', '1']]), 304],
      ['HEAD 204', request('HEAD', '/bodyless?204'), 204],
    ];
    for (const [what, bytes, status] of cases) {
      it(what, async () => {
        // A body byte would be read as the start of the next response: the pipelined GET proves none came.
        const client = await RawClient.connect(srv.port);
        client.write(bytes + request('GET', '/list'));
        const head = parseResponse(await client.readResponse(5000, true));
        expect(head.status).toBe(status);
        expect(head.header('transfer-encoding')).toBeUndefined();
        if (status !== 200) expect(head.header('content-length')).toBeUndefined();
        expect(parseResponse(await client.readResponse()).statusLine).toBe('HTTP/1.1 200 OK');
        client.close();
      });
    }

    it('HEAD of a list says the length GET would have', async () => {
      const client = await RawClient.connect(srv.port);
      client.write(request('HEAD', '/bodyless'));
      const head = parseResponse(await client.readResponse(5000, true));
      expect(head.header('content-length')).toBe('5');
      expect(await client.closesWithin(100)).toBe(false);
      expect(client.take()).toBe('');
      client.close();
    });
  });

  it('holds the head until the first non-empty chunk', async () => {
    gate = deferred();
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/held'));
    await expect(client.readUntil('HTTP/1.1', 300)).rejects.toThrow(/timed out/);
    gate.resolve();
    const response = parseResponse(await client.readResponse());
    expect(response.body).toBe('released');
    client.close();
  });

  it('never sends more than the app\'s Content-Length: the excess is cut, logged, the connection kept', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/excess-list') + request('GET', '/excess-gen'));
    const fromList = parseResponse(await client.readResponse());
    const fromGen = parseResponse(await client.readResponse());
    expect([fromList.header('content-length'), fromList.rawBody]).toEqual(['5', 'hello']);
    expect([fromGen.header('content-length'), fromGen.rawBody]).toEqual(['5', 'hello']);
    // nothing after the 5 bytes: the next thing on the connection is a fresh response
    client.write(request('GET', '/list'));
    expect(parseResponse(await client.readResponse()).body).toBe('hello world');
    client.close();
    expect(generatorFinished).toBe(true);
    expect(logText(srv)).toMatch(/GET \/excess-list yielded more than its Content-Length 5; the excess was not sent/);
    expect(logText(srv)).toMatch(/GET \/excess-gen yielded more than its Content-Length 5/);
  });

  it('a body short of its Content-Length closes the connection and is logged', async () => {
    for (const path of ['/short', '/short-gen']) {
      const client = await RawClient.connect(srv.port);
      client.write(request('GET', path));
      const raw = await client.readToEnd();
      expect(parseResponse(raw).rawBody).toBe('hello');
      expect(logText(srv)).toContain(`GET ${path} sent 5 bytes of its Content-Length 10; closing the connection`);
    }
  });

  describe('write()', () => {
    it('with a Content-Length: that length, no chunking (015)', async () => {
      const response = await fetchRaw(srv.port, request('GET', '/write-cl'));
      expect(response.header('transfer-encoding')).toBeUndefined();
      expect([response.header('content-length'), response.rawBody]).toEqual(['11', 'hello world']);
    });

    it('without: chunked, write("") is no terminator, and the body is terminated [Q]', async () => {
      const { raw, closed } = await exchange(request('GET', '/write-only'));
      expect(parseResponse(raw).rawBody).toBe('7\r\nwritten\r\n6\r\n twice\r\n0\r\n\r\n');
      expect(closed).toBe(false);
    });

    it('every write() promise resolves on drain, however many wait at once [bug fixed in response.ts]', async () => {
      const response = await fetchRaw(srv.port, request('GET', '/two-writes'), 10_000);
      expect(response.body.length).toBe(8 * MiB + '|both resolved'.length);
      expect(response.body.endsWith('b|both resolved')).toBe(true);
    });

    it('a drain while an async body is between steps does not cut the response [bug fixed in response.ts]', async () => {
      const response = await fetchRaw(srv.port, request('GET', '/write-in-async-gen'), 10_000);
      expect(response.body.length).toBe(4 * MiB + '|tail'.length);
      expect(response.body.endsWith('a|tail')).toBe(true);
      expect(logText(srv)).not.toContain('Cannot destructure');
    });

    it('write() after the response is complete raises a clear error and sends nothing [bug fixed: it was dropped silently]', async () => {
      lateWrite = deferred<unknown>();
      const client = await RawClient.connect(srv.port);
      client.write(request('GET', '/late-write'));
      expect(parseResponse(await client.readResponse()).body).toBe('done');
      const err = (await lateWrite.promise) as { message?: string };
      expect(err.message).toBe('invalid response body: write() called after the response was complete; its bytes were not sent');
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(client.take()).toBe('');
      client.write(request('GET', '/list'));
      expect(parseResponse(await client.readResponse()).body).toBe('hello world');
      client.close();
    });

    it('written bytes come before the returned body', async () => {
      expect((await fetchRaw(srv.port, request('GET', '/write-then-body'))).body).toBe('wreturned');
    });
  });

  it('a chunk that is not a string or bytes, and a bare string body, are 500s that say what was wrong', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/bad-chunk'))).status).toBe(500);
    expect(logText(srv)).toMatch(/body chunks must be strings or Uint8Arrays, got number 42/);
    expect((await fetchRaw(srv.port, request('GET', '/bare-string'))).status).toBe(500);
    expect(logText(srv)).toMatch(/must return an iterable of chunks, got string "not a list" \(wrap a single chunk in a list/);
  });

  it('the access line counts every byte on the wire, head and chunk framing included', async () => {
    for (const path of ['/sync-gen', '/list']) {
      const { raw } = await exchange(request('GET', path));
      const line = new RegExp(`"GET ${path} HTTP/1.1" 200 (\\d+) \\d+\\.\\d{6}`);
      await waitFor(() => line.test(logText(srv)), `the access line of ${path}`);
      expect(Number(line.exec(logText(srv))![1])).toBe(raw.length);
    }
  });
});
