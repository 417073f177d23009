// Misbehaving apps, on every front end: each gets a clear message in wsgi.errors and a
// 500 (nothing sent yet) or an aborted connection (the head is out), close() runs once
// where there is a body, and the server goes on serving: on a new connection, and on the
// same one where the response was complete.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Body, Chunk, WsgiApp } from '@wsgi-bridge/core';
import { frontEnds, honoFrontEnd, type Mounted } from './helpers/front-ends.js';
import { fetchRaw, logText, parseResponse, request, routes } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

/** How many times each route's body was closed. */
const closes = new Map<string, number>();
const closing = (route: string, body: Iterable<Chunk> | AsyncIterable<Chunk>): Body =>
  Object.assign(body, { close: () => void closes.set(route, (closes.get(route) ?? 0) + 1) });

const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];
/** Headers go out with the first chunk, so an error after it has to abort. */
const streaming = (env: Record<string, unknown>): void => {
  env['eventlet.minimum_write_chunk_size'] = 0;
};

/** An app that sends a first chunk (so the head is out), then yields whatever `next()` gives or throws. */
function afterFirstChunk(route: string, next: () => unknown, isAsync = false): WsgiApp {
  return (env, startResponse) => {
    streaming(env);
    startResponse('200 OK', TEXT);
    const body = isAsync
      ? (async function* () {
        yield 'first chunk';
        await Promise.resolve();
        yield next() as Chunk;
      })()
      : (function* () {
        yield 'first chunk';
        yield next() as Chunk;
      })();
    return closing(route, body);
  };
}
const fails = (message: string) => (): never => {
  throw new Error(message);
};

/** What the client must see: a status with the connection kept, a 500 (any front end's), or an abort. */
type Outcome = { status: number } | 'abort';

interface Case {
  app: WsgiApp;
  outcome: Outcome;
  /** What wsgi.errors (the log) must say. */
  log: RegExp;
  /** Whether the body has a counted close(). */
  closes?: boolean;
}

const cases: Record<string, Case> = {
  '/throw-sync-before': {
    app: () => {
      throw new Error('sync failure before start_response');
    },
    outcome: { status: 500 },
    log: /Error in the WSGI app for GET \/throw-sync-before:\nError: sync failure before start_response/,
  },
  '/throw-async-before': {
    app: async () => {
      await Promise.resolve();
      throw new Error('async failure before start_response');
    },
    outcome: { status: 500 },
    log: /Error: async failure before start_response/,
  },
  '/throw-sync-after-start': {
    app: (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      throw new RangeError('failure after start_response, before any byte');
    },
    outcome: { status: 500 },
    log: /RangeError: failure after start_response, before any byte/,
  },
  '/throw-async-after-start': {
    app: async (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      await Promise.resolve();
      throw new TypeError('async failure after start_response, before any byte');
    },
    outcome: { status: 500 },
    log: /TypeError: async failure after start_response, before any byte/,
  },
  '/throw-in-generator-after-head': {
    app: afterFirstChunk('/throw-in-generator-after-head', fails('generator failure after the head')),
    outcome: 'abort',
    log: /Error: generator failure after the head/,
    closes: true,
  },
  '/throw-in-async-generator-after-head': {
    app: afterFirstChunk('/throw-in-async-generator-after-head', fails('async generator failure after the head'), true),
    outcome: 'abort',
    log: /Error: async generator failure after the head/,
    closes: true,
  },
  '/return-null': {
    app: (_env, startResponse) => (startResponse('200 OK', TEXT), null as unknown as Body),
    outcome: { status: 500 },
    log: /invalid response body: the app must return an iterable of chunks, got null/,
  },
  '/return-string': {
    app: (_env, startResponse) => (startResponse('200 OK', TEXT), 'body' as unknown as Body),
    outcome: { status: 500 },
    log: /got string "body" \(wrap a single chunk in a list: \[body\]\)/,
  },
  '/return-number': {
    app: (_env, startResponse) => (startResponse('200 OK', TEXT), 42 as unknown as Body),
    outcome: { status: 500 },
    log: /the app must return an iterable of chunks, got number 42/,
  },
  '/start-response-twice': {
    app: (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      startResponse('201 Created', TEXT);
      return ['never'];
    },
    outcome: { status: 500 },
    log: /start_response called twice without exc_info/,
  },
  // PEP 3333's "write before start_response": a chunk reaches the server before any head.
  '/yield-before-start-response': {
    app: () => closing('/yield-before-start-response', (function* () {
      yield 'no head yet';
    })()),
    outcome: { status: 500 },
    log: /the app did not call start_response/,
    closes: true,
  },
  '/yield-non-chunk-before-head': {
    app: (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      return closing('/yield-non-chunk-before-head', [{ not: 'a chunk' }] as unknown as Chunk[]);
    },
    outcome: { status: 500 },
    log: /invalid body chunk: body chunks must be strings or Uint8Arrays, got an object \(Object\)/,
    closes: true,
  },
  '/yield-non-chunk-after-head': {
    app: afterFirstChunk('/yield-non-chunk-after-head', () => 7),
    outcome: 'abort',
    log: /body chunks must be strings or Uint8Arrays, got number 7/,
    closes: true,
  },
  '/never-start-response': {
    app: () => closing('/never-start-response', []),
    outcome: { status: 500 },
    log: /the app did not call start_response/,
    closes: true,
  },
  '/posthook-throws': {
    app: (env, startResponse) => {
      env['eventlet.posthooks'].push(
        [() => {
          throw new Error('post hook failure');
        }],
        [() => closes.set('/posthook-throws', (closes.get('/posthook-throws') ?? 0) + 1)],
      );
      startResponse('200 OK', TEXT);
      return ['fine'];
    },
    outcome: { status: 200 },
    log: /Post hook 0 failed:\nError: post hook failure/,
    closes: true, // counted by the second hook, which must still run
  },
  '/close-throws': {
    app: (_env, startResponse) => {
      startResponse('200 OK', TEXT);
      return Object.assign(['fine'], {
        close: () => {
          closes.set('/close-throws', (closes.get('/close-throws') ?? 0) + 1);
          throw new Error('close failure');
        },
      });
    },
    outcome: { status: 200 },
    log: /Error in the body's close\(\):\nError: close failure/,
    closes: true,
  },
};

const ok: WsgiApp = (_env, startResponse) => (startResponse('200 OK', TEXT), ['ok']);
const never = new Promise<never>(() => {});
/** Apps that hang: before start_response, and after the head (an async body stuck mid-way). */
const hanging: Record<string, WsgiApp> = {
  '/hang-before-start': () => never,
  '/hang-after-head': (env, startResponse) => {
    streaming(env);
    startResponse('200 OK', TEXT);
    return closing('/hang-after-head', (async function* () {
      yield 'first chunk';
      yield await never;
    })());
  },
};
/** A 1xx is interim in HTTP: as an app's final status it has no body, and the client would wait on. */
const earlyHints: WsgiApp = (_env, startResponse) => {
  startResponse('103 Early Hints', [['Link', '</style.css>; rel=preload']]);
  return ['never sent'];
};
const app = routes({
  ...Object.fromEntries(Object.entries(cases).map(([path, c]) => [path, c.app])), ...hanging, '/ok': ok,
  '/early-hints': earlyHints,
});

describe.each([...frontEnds, honoFrontEnd])('misbehaving apps on the $name', (frontEnd) => {
  let mounted: Mounted;
  beforeAll(async () => {
    mounted = await frontEnd.mount(app);
  });
  afterAll(() => mounted.close());

  it.each(Object.entries(cases))('%s', async (path, { outcome, log, closes: hasClose }) => {
    const logged = mounted.log.length;
    closes.delete(path);
    const client = await RawClient.connect(mounted.port);
    try {
      client.write(request('GET', path));
      if (outcome === 'abort') {
        const raw = await client.readUntil('\r\n\r\n');
        expect(raw).toMatch(/^HTTP\/1\.1 200 /);
        // Cut short: no chunked terminator that would pass a broken body off as complete.
        expect(await client.readToEnd()).not.toMatch(/0\r\n\r\n$/);
      } else {
        const response = parseResponse(await client.readResponse());
        expect(response.status).toBe(outcome.status);
        if (outcome.status === 200) {
          // The connection survived: the next request on it is served.
          client.write(request('GET', '/ok'));
          expect(parseResponse(await client.readResponse()).body).toBe('ok');
        }
      }
    } finally {
      client.close();
    }
    await expect.poll(() => logText({ log: mounted.log.slice(logged) })).toMatch(log);
    if (hasClose) await expect.poll(() => closes.get(path)).toBe(1);
    const next = await fetchRaw(mounted.port, request('GET', '/ok'));
    expect([next.status, next.body]).toEqual([200, 'ok']);
  });

  it('an app that hangs before start_response holds only its own connection', async () => {
    const client = await RawClient.connect(mounted.port);
    client.write(request('GET', '/hang-before-start'));
    expect(await client.closesWithin(200)).toBe(false);
    const next = await fetchRaw(mounted.port, request('GET', '/ok'));
    expect([next.status, next.body]).toEqual([200, 'ok']);
    client.close();
  });

  // A Fetch Response cannot carry a 1xx: there it is a 500 (test/fetch-in-process.test.ts).
  it.skipIf(frontEnd === honoFrontEnd)('a 1xx as the final status goes out without a body, and the connection closes', async () => {
    const client = await RawClient.connect(mounted.port);
    client.write(request('GET', '/early-hints'));
    const raw = await client.readToEnd(2000);
    client.close();
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 103 Early Hints\r\n/);
    expect(head!.toLowerCase()).toContain('\r\nlink: </style.css>; rel=preload');
    expect(head!.toLowerCase()).toContain('\r\nconnection: close');
    expect(body).toBe('');
  });

  it('a body stuck after the head is closed once when the client leaves', async () => {
    closes.delete('/hang-after-head');
    const client = await RawClient.connect(mounted.port);
    client.write(request('GET', '/hang-after-head'));
    expect(await client.readUntil('first chunk')).toMatch(/^HTTP\/1\.1 200 /);
    client.close();
    await expect.poll(() => closes.get('/hang-after-head')).toBe(1);
    const next = await fetchRaw(mounted.port, request('GET', '/ok'));
    expect([next.status, next.body]).toEqual([200, 'ok']);
  });
});
