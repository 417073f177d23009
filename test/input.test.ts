// wsgi.input: Content-Length and chunked request bodies read with read(), read(n),
// readline(), readlines() and `for await`; never past the body (pipelined requests
// survive), an empty buffer at the end, and a clear error for a truncated body.
import { describe, expect, it } from 'vitest';
import type { Environ, WsgiApp, WsgiInput } from '@wsgi-bridge/core';
import { RawClient } from './helpers/raw.js';
import { useServer, type TestServer } from './helpers/serve.js';
import { chunked, deferred, parseResponse, REFUSAL, request, routes } from './helpers/http.js';

/** Ways to read a body; each returns the pieces it got, in order. */
const readers: Record<string, (input: WsgiInput) => Promise<Buffer[]>> = {
  all: async (input) => [await input.read()],
  negative: async (input) => [await input.read(-1)],
  big: async (input) => [await input.read(4096)],
  bytewise: async (input) => {
    const pieces: Buffer[] = [];
    for (let b = await input.read(1); b.length > 0; b = await input.read(1)) pieces.push(b);
    return pieces;
  },
  ten: async (input) => [await input.read(10)],
  // read1: what has come, up to the size; empty only at the end.
  read1: async (input) => {
    const pieces: Buffer[] = [];
    for (let b = await input.read1(4); b.length > 0; b = await input.read1(4)) pieces.push(b);
    return [...pieces, await input.read1()];
  },
  'read1-first': async (input) => [await input.read1(1000)],
  lines: async (input) => {
    const lines: Buffer[] = [];
    for (let line = await input.readline(); line.length > 0; line = await input.readline()) lines.push(line);
    return lines;
  },
  'line-of-5': async (input) => [await input.readline(5), await input.readline(5), await input.readline()],
  readlines: (input) => input.readlines(),
  'readlines-hint': (input) => input.readlines(5),
  iterate: async (input) => {
    const lines: Buffer[] = [];
    for await (const line of input) lines.push(line);
    return lines;
  },
  // After the end every read gives an empty buffer, however it is asked.
  'after-end': async (input) => {
    await input.read();
    return [await input.read(), await input.read(5), await input.readline(), Buffer.from(String((await input.readlines()).length))];
  },
  none: async () => [],
  // Two reads in flight at once, as `Promise.all` makes them: each must settle, in order.
  concurrent: async (input) => {
    const both = Promise.all([input.read(5), input.read(5)]);
    const hung = new Promise<Buffer[]>((resolve) => setTimeout(() => resolve([Buffer.from('HUNG')]), 1000));
    return Promise.race([both, hung]);
  },
};

/** Answers with JSON: the pieces read (latin-1) and whether each is a Buffer. */
const readBody: WsgiApp = async (environ, startResponse) => {
  const pieces = await readers[environ.QUERY_STRING]!(environ['wsgi.input']);
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  return [JSON.stringify({ pieces: pieces.map((p) => p.toString('latin1')), buffers: pieces.every(Buffer.isBuffer) })];
};

/** The last error wsgi.input raised in /catch, for the truncated-body tests. */
let inputError = deferred<unknown>();
const catchInputError: WsgiApp = async (environ: Environ, startResponse) => {
  try {
    await environ['wsgi.input'].read(1024);
    inputError.resolve(null);
  } catch (err) {
    inputError.resolve(err);
  }
  startResponse('200 OK', []);
  return ['done'];
};

const badArgument: WsgiApp = async (environ, startResponse) => {
  await environ['wsgi.input'].read('10' as unknown as number);
  startResponse('200 OK', []);
  return ['unreachable'];
};

async function readWith(srv: TestServer, mode: string, headers: Array<[string, string]>, body: string): Promise<{ pieces: string[]; buffers: boolean }> {
  const client = await RawClient.connect(srv.port);
  client.write(request('POST', `/read?${mode}`, headers, body));
  const response = parseResponse(await client.readResponse());
  client.close();
  expect(response.status).toBe(200);
  return JSON.parse(response.body) as { pieces: string[]; buffers: boolean };
}

const CHUNKED: [string, string] = ['Transfer-Encoding', 'chunked'];
const length = (body: string): [string, string] => ['Content-Length', String(Buffer.byteLength(body, 'latin1'))];

describe('wsgi.input', () => {
  const srv = useServer(routes({ '/read': readBody, '/catch': catchInputError, '/bad-argument': badArgument }), { debug: false });

  it('a chunked upload read with read(), read(4096) and read(1) (014)', async () => {
    const body = chunked('oh', ' hai');
    expect((await readWith(srv, 'all', [CHUNKED], body)).pieces).toEqual(['oh hai']);
    expect((await readWith(srv, 'negative', [CHUNKED], body)).pieces).toEqual(['oh hai']);
    expect((await readWith(srv, 'big', [CHUNKED], body)).pieces).toEqual(['oh hai']);
    expect((await readWith(srv, 'bytewise', [CHUNKED], body)).pieces).toEqual(['o', 'h', ' ', 'h', 'a', 'i']);
  });

  it('read(n) gathers across chunks and stops at n', async () => {
    const body = chunked('this', ' is ', 'chunked', '\nline 2\n');
    const { pieces, buffers } = await readWith(srv, 'ten', [CHUNKED], body);
    expect(pieces).toEqual(['this is ch']);
    expect(buffers).toBe(true);
  });

  it('read1(n) gives what has come, at most n bytes, and empty only at the end', async () => {
    for (const [headers, body] of [[[CHUNKED], chunked('this', ' is ', 'chunked')], [[length('this is chunked')], 'this is chunked']] as const) {
      const { pieces, buffers } = await readWith(srv, 'read1', [...headers], body);
      expect(pieces.at(-1)).toBe('');
      expect(pieces.slice(0, -1).join('')).toBe('this is chunked');
      expect(pieces.slice(0, -1).every((piece) => piece.length > 0 && piece.length <= 4)).toBe(true);
      expect(buffers).toBe(true);
    }
  });

  it('read1 does not wait for more than has come: a client holding back the rest gets its answer', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('POST', '/read?read1-first', [length('abcdefghij')], 'abc'));
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['abc']);
    client.close();
  });

  const lines = 'this is chunked\nline 2\nline3';
  it('readline() and for-await over a chunked body split across lines (061)', async () => {
    const body = chunked('this is ', 'chunked\nli', 'ne 2\n', 'line3');
    const expected = ['this is chunked\n', 'line 2\n', 'line3'];
    expect((await readWith(srv, 'lines', [CHUNKED], body)).pieces).toEqual(expected);
    expect((await readWith(srv, 'readlines', [CHUNKED], body)).pieces).toEqual(expected);
    expect((await readWith(srv, 'iterate', [CHUNKED], body)).pieces).toEqual(expected);
  });

  it('readline(size) and readlines(hint) on a Content-Length body', async () => {
    expect((await readWith(srv, 'line-of-5', [length(lines)], lines)).pieces).toEqual(['this ', 'is ch', 'unked\n']);
    expect((await readWith(srv, 'readlines-hint', [length(lines)], lines)).pieces).toEqual(['this is chunked\n']);
    expect((await readWith(srv, 'readlines', [length(lines)], lines)).pieces).toEqual(['this is chunked\n', 'line 2\n', 'line3']);
  });

  it('a 1500-byte line is one iteration (032)', async () => {
    const body = 'x'.repeat(1500);
    expect((await readWith(srv, 'iterate', [length(body)], body)).pieces).toEqual([body]);
  });

  it('at the end every read gives an empty buffer', async () => {
    expect((await readWith(srv, 'after-end', [length('abc')], 'abc')).pieces).toEqual(['', '', '', '0']);
    expect((await readWith(srv, 'after-end', [CHUNKED], chunked('abc'))).pieces).toEqual(['', '', '', '0']);
  });

  it('a request without a body reads as empty at once (057)', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/read?big'));
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['']);
    client.close();
  });

  it('never reads past the body: the pipelined next request is intact (007)', async () => {
    const client = await RawClient.connect(srv.port);
    const next = request('POST', '/read?all', [length('second')], 'second');
    client.write(request('POST', '/read?all', [length('a=a')], 'a=a') + next);
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['a=a']);
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['second']);
    client.close();
  });

  it('a partly read body whose first bytes had to be waited for is discarded too, the connection kept', async () => {
    const client = await RawClient.connect(srv.port);
    const size = 2_000_000;
    client.write(request('POST', '/read?ten', [['Content-Length', String(size)]], '01234'));
    await new Promise((resolve) => setTimeout(resolve, 50)); // the app's read(10) waits for more
    client.write('5'.repeat(size - 5));
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['0123455555']);
    client.write(request('GET', '/read?all'));
    expect(JSON.parse(parseResponse(await client.readResponse()).body).pieces).toEqual(['']);
    client.close();
  });

  it('an unread or partly read body is discarded and the connection kept (059, 027)', async () => {
    const client = await RawClient.connect(srv.port);
    const body = chunked('this', ' is ', 'chunked', ' and more');
    for (const mode of ['all', 'ten', 'bytewise', 'none']) client.write(request('PUT', `/read?${mode}`, [CHUNKED], body));
    client.write(request('PUT', '/read?none', [length('unread')], 'unread'));
    client.write(request('GET', '/read?all'));
    const answers: string[][] = [];
    for (let i = 0; i < 6; i++) answers.push(JSON.parse(parseResponse(await client.readResponse()).body).pieces);
    expect(answers).toEqual([
      ['this is chunked and more'],
      ['this is ch'],
      [...'this is chunked and more'],
      [],
      [],
      [''],
    ]);
    client.close();
  });

  // body-source.ts: MessageSource.next() keeps one waiter; a second next() while the first
  // waits replaces it, so the first read's promise never settles.
  it('two reads in flight at once both settle, in order', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('POST', '/read?concurrent', [CHUNKED]));
    await new Promise((resolve) => setTimeout(resolve, 50)); // both reads wait on an empty socket
    client.write(chunked('hello', 'world'));
    const { pieces } = JSON.parse(parseResponse(await client.readResponse()).body) as { pieces: string[] };
    client.close();
    expect(pieces).toEqual(['hello', 'world']);
  });

  it('chunk extensions are ignored (060)', async () => {
    const body = '4;name=value\r\nthis\r\n3;ext="q s"\r\n is\r\n0\r\n\r\n';
    expect((await readWith(srv, 'all', [CHUNKED], body)).pieces).toEqual(['this is']);
  });

  it('eventlet\'s "dirt" extension (spaces, NUL) is refused by Node\'s parser', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('POST', '/read?all', [CHUNKED], '4; here is dirt\0bla\r\nthis\r\n0\r\n\r\n'));
    expect(await client.readToEnd()).toMatch(REFUSAL);
  });

  it('a non-integer size is an error the app sees', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('POST', '/bad-argument', [length('x')], 'x'));
    expect(parseResponse(await client.readResponse()).status).toBe(500);
    client.close();
    expect(srv.log.join('')).toMatch(/read\(\) takes an integer size, got 10/);
  });

  describe('a truncated body rejects with a clear error', () => {
    const cases: Array<[what: string, headers: Array<[string, string]>, sent: string, framing: string]> = [
      ['chunked, cut inside a chunk (031)', [CHUNKED], 'def\r\n' + 'x'.repeat(16), 'chunked framing'],
      ['chunked, cut between chunks (032)', [CHUNKED], 'db\r\n' + 'x'.repeat(0xdb) + '\r\n', 'chunked framing'],
      ['Content-Length, cut short', [['Content-Length', '100']], 'only some', 'Content-Length 100'],
    ];
    for (const [what, headers, sent, framing] of cases) {
      it(what, async () => {
        inputError = deferred<unknown>();
        const client = await RawClient.connect(srv.port);
        client.write(request('POST', '/catch', headers, sent));
        await new Promise((resolve) => setTimeout(resolve, 50));
        client.close();
        const err = (await inputError.promise) as { code?: string; message?: string } | null;
        expect(err?.code).toBe('WSGI_ERR_INPUT_TRUNCATED');
        expect(err?.message).toBe('request body truncated: the client closed the connection or sent ' +
          `malformed data before the body was complete (${framing})`);
      });
    }

    it('a malformed chunk size (033): the read rejects and the client is refused', async () => {
      inputError = deferred<unknown>();
      const client = await RawClient.connect(srv.port);
      client.write(request('POST', '/catch', [CHUNKED], '4\r\nthis\r\ncats\r\nmore'));
      const err = (await inputError.promise) as { code?: string } | null;
      expect(err?.code).toBe('WSGI_ERR_INPUT_TRUNCATED');
      expect(await client.readToEnd()).toMatch(REFUSAL);
    });
  });
});
