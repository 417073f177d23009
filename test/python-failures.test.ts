// What goes wrong in a Python worker: it dies mid-request, blocks past its timeout, cannot
// import its app, yields a str; clients leave mid-download. Each request is answered, the
// worker replaced, and the next request served.
import { describe, expect, it } from 'vitest';
import { pythonApp } from '@wsgi-bridge/python';
import { frontEnds, standalone, type FrontEnd } from './helpers/front-ends.js';
import { fetchRaw, logText, request, waitFor } from './helpers/http.js';
import { PYTHON, testPythonApp, usePythonApp } from './helpers/python.js';
import { RawClient } from './helpers/raw.js';
import { serve } from './helpers/serve.js';

describe('a Python worker that fails', () => {
  const { app, server } = usePythonApp(standalone, 'failures:application', { workers: 1, timeout: 2 });
  const get = (target: string) => fetchRaw(server.port, request('GET', target), 15_000);
  const pid = async (): Promise<string> => (await get('/pid')).body;

  it('killed before the head: a 502, then a new worker serves the next request', async () => {
    const before = await pid();
    const response = await get('/kill');
    expect(response.status).toBe(502);
    expect(response.body).toContain('the Python worker serving this request died (signal SIGKILL)');
    expect(app.log.join('')).toMatch(/Python worker \d+ ended \(signal SIGKILL\) while serving GET \/kill/);
    const after = await pid();
    expect(after).not.toBe(before);
  });

  it('a request sent ahead to a worker that then dies is served by its replacement', async () => {
    const killed = get('/kill-slowly');
    await new Promise((resolve) => setTimeout(resolve, 100));
    const queued = [get('/pid'), get('/pid')]; // both go ahead to the worker being killed
    expect((await killed).status).toBe(502);
    for (const response of await Promise.all(queued)) expect(response.status).toBe(200);
  });

  it('requests queued behind a slow one all go ahead, and are served in the order they came', async () => {
    const slow = get('/slow');
    const queued: Array<ReturnType<typeof get>> = [];
    for (let i = 1; i <= 6; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30)); // each request reaches the pool before the next
      queued.push(get(`/order?${i}`));
    }
    expect((await slow).body).toBe('slow but served');
    const bodies = (await Promise.all(queued)).map((response) => response.body);
    expect(bodies.at(-1)).toMatch(/ 1,2,3,4,5,6$/);
    expect(bodies.map((body) => body.split(/[ ,]/).at(-1))).toEqual(['1', '2', '3', '4', '5', '6']);
  });

  it("wsgi.errors written by the app's own thread between requests reaches the log", async () => {
    expect((await get('/logs-later')).body).toBe('answered');
    await waitFor(() => app.log.join('').includes('written by a thread after the response\n'), 'the late line', 10_000);
    expect((await get('/pid')).status).toBe(200);
  });

  it('dying after the head: the response is aborted, and the next request is served', async () => {
    const client = await RawClient.connect(server.port);
    client.write(request('GET', '/exit-after-head'));
    const raw = await client.readToEnd(15_000);
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n7\r\npartial\r\n$/);
    expect(app.log.join('')).toMatch(/ended \(exit status 1\) while serving GET \/exit-after-head/);
    expect((await get('/pid')).status).toBe(200);
  });

  it('blocked past the timeout: killed, a 502, replaced', async () => {
    const before = await pid();
    const response = await get('/block');
    expect(response.status).toBe(502);
    expect(app.log.join('')).toMatch(/Python worker \d+ held GET \/block past the timeout of 2 s; killing it/);
    expect(await pid()).not.toBe(before);
  });

  it('a str chunk that is not ASCII: before the head a 500 naming PEP 3333, after the head an abort', async () => {
    expect((await get('/str')).status).toBe(500);
    await waitFor(() => logText(server).includes("TypeError: a WSGI body chunk must be bytes (PEP 3333), got str 'caf\u00e9, a str " +
      "that is not ASCII' (a str is taken only when it is ASCII, as eventlet does)"), 'the PEP 3333 error', 10_000);
    const client = await RawClient.connect(server.port);
    client.write(request('GET', '/str-after-head'));
    const raw = await client.readToEnd(15_000);
    expect(raw).toContain('b\r\nbytes first\r\n');
    expect(raw).not.toContain('0\r\n\r\n');
    await waitFor(() => logText(server).includes("got str 'then a str: caf\u00e9'"), 'the second PEP 3333 error', 10_000);
  });
});

describe('a target that does not import', () => {
  it('rejects ready with the Python traceback, naming the target, and answers requests with a 500', async () => {
    for (const [target, error] of [
      ['broken:application', 'RuntimeError: broken on purpose at import'],
      ['no_such_module:app', "ModuleNotFoundError: No module named 'no_such_module'"],
      ['failures:no_such_app', "AttributeError: module 'failures' has no attribute 'no_such_app'"],
    ]) {
      const app = testPythonApp(target!);
      await expect(app.ready).rejects.toThrow(new RegExp(`^${target} could not be imported by ${PYTHON}:\\nTraceback[\\s\\S]*${error}`));
      const server = await serve(app, { debug: false });
      expect((await fetchRaw(server.port, request('GET', '/'))).status).toBe(500);
      await server.close();
      await app.close();
    }
  });

  it('rejects ready when the interpreter cannot be started', async () => {
    const app = pythonApp('apps:application', { python: '/nonexistent/python3', errors: () => {} });
    await expect(app.ready).rejects.toThrow(/\/nonexistent\/python3 could not be started for apps:application/);
    await app.close();
  });

  it('refuses bad options with a clear error', () => {
    expect(() => pythonApp('not a target')).toThrow(/pythonApp takes "MODULE:CALLABLE"/);
    expect(() => pythonApp('apps:application', { workers: 0 })).toThrow(/workers must be an integer >= 1, got 0/);
    expect(() => pythonApp('apps:application', { timeout: -1 })).toThrow(/timeout must be a number >= 0/);
    expect(() => pythonApp('apps:application', { environ: { N: 1 as unknown as string } })).toThrow(/extras must be strings/);
  });
});

describe('maxRequests and close()', () => {
  it('recycles a worker after maxRequests', async () => {
    const app = testPythonApp('failures:application', { maxRequests: 2 });
    await app.ready;
    const server = await serve(app);
    const pids: string[] = [];
    for (let i = 0; i < 4; i++) pids.push((await fetchRaw(server.port, request('GET', '/pid'), 15_000)).body);
    expect(pids[0]).toBe(pids[1]);
    expect(pids[2]).toBe(pids[3]);
    expect(pids[2]).not.toBe(pids[0]);
    await server.close();
    await app.close();
  });

  it('sends no more requests ahead than a worker has left before maxRequests', async () => {
    const app = testPythonApp('failures:application', { maxRequests: 3 });
    await app.ready;
    const server = await serve(app);
    const slow = fetchRaw(server.port, request('GET', '/slow'), 15_000);
    const queued = [];
    for (let i = 1; i <= 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 30));
      queued.push(fetchRaw(server.port, request('GET', `/order?${i}`), 15_000));
    }
    expect((await slow).body).toBe('slow but served');
    const served = (await Promise.all(queued)).map((response) => response.body.split(' '));
    // The first worker serves /slow and two more; its replacement the other three, from a fresh list.
    expect(served.map(([pid]) => pid === served[0]![0])).toEqual([true, true, false, false, false]);
    expect(served.map(([, list]) => list)).toEqual(['1', '1,2', '3', '3,4', '3,4,5']);
    await server.close();
    // Served in a request, a line goes to the front end's log; a request a retired worker
    // served past its maxRequests (behind the pool's back) would log to the pool's.
    await app.close();
    expect(app.log.join('')).not.toMatch(/order \d served/);
  });

  it('lets requests in flight and queued finish, then stops the workers', async () => {
    const app = testPythonApp('failures:application');
    await app.ready;
    const server = await serve(app);
    const pid = Number((await fetchRaw(server.port, request('GET', '/pid'))).body);
    const slow = [fetchRaw(server.port, request('GET', '/slow'), 15_000), fetchRaw(server.port, request('GET', '/slow'), 15_000)];
    await new Promise((resolve) => setTimeout(resolve, 100));
    const closing = app.close();
    for (const response of await Promise.all(slow)) expect(response.body).toBe('slow but served');
    await closing;
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await fetchRaw(server.port, request('GET', '/pid'))).status).toBe(500);
    await server.close();
  });
});

describe.each(frontEnds)('200 clients leaving mid-download on the $name', (frontEnd) => {
  const ROUNDS = 200;
  const AT_ONCE = 10;
  const { server } = usePythonApp(frontEnd, 'failures:application', { workers: 2 });

  it("calls the Python body's close() and its post hook exactly once each", async () => {
    const leave = async (id: number): Promise<void> => {
      const client = await RawClient.connect(server.port);
      client.write(request('GET', `/download?${id}`));
      await client.readUntil('xxxx', 15_000);
      client.close();
    };
    for (let start = 0; start < ROUNDS; start += AT_ONCE) {
      await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => leave(start + i)));
    }
    const lines = (): string[] => logText(server).split('\n');
    await waitFor(() => lines().filter((line) => line.startsWith('hook ')).length >= ROUNDS, 'every hook', 30_000);
    await new Promise((resolve) => setTimeout(resolve, 200)); // room for a second call, were there one
    for (const kind of ['closed', 'hook']) {
      const ids = lines().filter((line) => line.startsWith(`${kind} `)).map((line) => Number(line.slice(kind.length + 1)));
      expect(ids.sort((a, b) => a - b)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    }
  });
});

describe.each(frontEnds)('100 clients leaving mid-upload on the $name', (frontEnd) => {
  const ROUNDS = 100;
  const AT_ONCE = 10;
  const SIZE = 4 * 1024 * 1024;
  const { server } = usePythonApp(frontEnd, 'failures:application', { workers: 2 });
  const lines = (prefix: string): number[] =>
    logText(server).split('\n').filter((line) => line.startsWith(prefix)).map((line) => Number(line.slice(prefix.length)));

  it('each upload fails in Python once, its hook runs once, and the workers go on taking whole bodies', async () => {
    const leave = async (id: number): Promise<void> => {
      const client = await RawClient.connect(server.port);
      client.write(request('POST', `/upload?${id}`, [['Content-Length', String(SIZE)]], 'x'.repeat(300_000)));
      await waitFor(() => lines('upload reading ').includes(id), `upload ${id} to be read`, 15_000);
      client.close();
    };
    for (let start = 0; start < ROUNDS; start += AT_ONCE) {
      await Promise.all(Array.from({ length: AT_ONCE }, (_, i) => leave(start + i)));
    }
    await waitFor(() => lines('upload hook ').length >= ROUNDS, 'every hook', 30_000);
    const all = Array.from({ length: ROUNDS }, (_, i) => i);
    expect(lines('upload failed ').sort((a, b) => a - b)).toEqual(all);
    expect(lines('upload hook ').sort((a, b) => a - b)).toEqual(all);
    for (const id of [ROUNDS, ROUNDS + 1]) {
      const response = await fetchRaw(server.port, request('POST', `/upload?${id}`, [['Content-Length', String(SIZE)]], 'y'.repeat(SIZE)), 30_000);
      expect(response.body).toBe(String(SIZE));
    }
    expect(lines('upload whole ')).toEqual([ROUNDS, ROUNDS + 1]);
  });
});

/**
 * The standalone server with a JS middleware in front of the app that buffers the body and
 * replays it through a wsgi.input of its own: read, readline, readlines, no read1.
 */
const behindReplay: FrontEnd = {
  ...standalone,
  mount: (app) => serve(async (environ, startResponse) => {
    const body = await environ['wsgi.input'].read();
    let at = 0;
    const take = async (size?: number | null): Promise<Buffer> => {
      const end = size === undefined || size === null || size < 0 ? body.length : Math.min(body.length, at + size);
      const part = body.subarray(at, end);
      at = end;
      return part;
    };
    const replay = { read: take, readline: take, readlines: async () => [await take()], [Symbol.asyncIterator]: async function* () {} };
    return app({ ...environ, 'wsgi.input': replay as unknown as typeof environ['wsgi.input'] }, startResponse);
  }),
};

describe('a Python app behind a JS middleware that replaces wsgi.input', () => {
  const { app, server } = usePythonApp(behindReplay, 'failures:application', { workers: 1 });

  it('streams the replayed body to Python with read(), as it has no read1', async () => {
    const size = 3 * 1024 * 1024 + 5;
    const response = await fetchRaw(server.port, request('POST', '/upload?replayed', [['Content-Length', String(size)]], 'z'.repeat(size)), 30_000);
    expect(response.body).toBe(String(size));
    expect(app.log.join('') + server.log.join('')).not.toMatch(/read1/);
  });
});

describe('one Python worker, requests sent ahead, streamed bodies of every kind mixed', () => {
  const { app, server } = usePythonApp(standalone, 'apps:application', { workers: 1 });

  it('answers each request right, and no body frame strays into the next request', async () => {
    const partly = '0123456789'.repeat(200_000); // 2 MB, beyond the window: its stream is stopped
    const whole = 'w'.repeat(300_000);
    const kinds = [
      async () => expect((await fetchRaw(server.port, request('GET', '/hello'), 30_000)).body).toBe('Hello, World!\r\n'),
      async () => expect((await fetchRaw(server.port, request('POST', '/read-some?12', [['Content-Length', String(partly.length)]], partly), 30_000)).body).toBe('012345678901'),
      async () => {
        const answer = JSON.parse((await fetchRaw(server.port, request('POST', '/digest?all', [['Content-Length', String(whole.length)]], whole), 30_000)).body) as { size: number };
        expect(answer.size).toBe(whole.length);
      },
      async () => {
        const client = await RawClient.connect(server.port);
        client.write(request('POST', '/cut-short', [['Content-Length', '1048576']], 'x'.repeat(100_000)));
        await new Promise((resolve) => setTimeout(resolve, 20));
        client.close();
      },
    ];
    for (let round = 0; round < 6; round++) {
      await Promise.all(Array.from({ length: 12 }, (_, i) => kinds[(round + i) % kinds.length]!()));
    }
    // The one worker takes requests in order: this one is served after every one above.
    expect((await fetchRaw(server.port, request('GET', '/hello'), 10_000)).body).toBe('Hello, World!\r\n');
    expect(app.log.join('') + server.log.join('')).not.toMatch(/Python worker \d+ ended|expected .* from Node/);
  });
});
