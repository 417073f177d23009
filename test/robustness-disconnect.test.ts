// Clients that leave: mid-upload, mid-download, while the app awaits read(), and while
// waiting for a 100 Continue. Over many rounds on every front end: close() and every post
// hook run exactly once per request (counted, and checked by the validator), no promise rejection goes unhandled, no listener
// piles up and no socket is left open once the rounds are over.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Body, Environ, WsgiApp } from '@wsgi-bridge/core';
import { frontEnds, honoFrontEnd, type Mounted } from './helpers/front-ends.js';
import { deferred, routes } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';
import { rulesOf, validated, type Validated } from './helpers/validated.js';

const ROUNDS = 200;
const AT_ONCE = 10;

/** What one request did, by its id (the query string). */
interface Track {
  closes: number;
  hooks: number;
  /** Resolves when the app reached the point where the client is to leave. */
  ready: ReturnType<typeof deferred<void>>;
  /** Resolved by the test once the client has left (for the app that waits for it). */
  left: ReturnType<typeof deferred<void>>;
}
const tracks = new Map<string, Track>();

function trackFor(id: string): Track {
  let track = tracks.get(id);
  if (track === undefined) {
    track = { closes: 0, hooks: 0, ready: deferred(), left: deferred() };
    tracks.set(id, track);
  }
  return track;
}

/** Start a response whose body is `body`, counting its close() and one post hook. */
function tracked(env: Environ, startResponse: Parameters<WsgiApp>[1], body: (track: Track) => AsyncGenerator<Buffer | string>): Body {
  const track = trackFor(env.QUERY_STRING);
  env['eventlet.minimum_write_chunk_size'] = 0;
  env['eventlet.posthooks'].push([() => void (track.hooks += 1)]);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
  return Object.assign(body(track), { close: () => void (track.closes += 1) });
}

const MEGABYTE = 1 << 20;
const BLOCK = Buffer.alloc(64 * 1024, 0x61);

const app = routes({
  '/upload': (env, sr) => tracked(env, sr, async function* (track) {
    for (let read = 0; ; read += 1) {
      if (read === 1) track.ready.resolve();
      if ((await env['wsgi.input'].read(4096)).length === 0) break;
    }
    yield 'all read';
  }),
  '/download': (env, sr) => tracked(env, sr, async function* (track) {
    track.ready.resolve();
    for (;;) yield BLOCK;
  }),
  '/await-read': (env, sr) => tracked(env, sr, async function* (track) {
    track.ready.resolve();
    yield await env['wsgi.input'].read();
  }),
  '/continue': (env, sr) => tracked(env, sr, async function* (track) {
    track.ready.resolve();
    await track.left.promise;
    yield await env['wsgi.input'].read(); // would send the 100: the client is gone
  }),
});

/** How a client leaves each route, once the app is where it should be. */
const leavers: Record<string, (client: RawClient, track: Track) => Promise<void>> = {
  '/upload': async (client, track) => {
    client.write(`POST /upload?${id(client)} HTTP/1.1\r\nHost: t\r\nContent-Length: ${MEGABYTE}\r\n\r\n`);
    client.write(Buffer.alloc(16 * 1024, 0x62));
    await track.ready.promise;
  },
  '/download': async (client, track) => {
    client.write(`GET /download?${id(client)} HTTP/1.1\r\nHost: t\r\n\r\n`);
    await client.readUntil('\r\n\r\n');
    await track.ready.promise;
  },
  '/await-read': async (client, track) => {
    client.write(`POST /await-read?${id(client)} HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n`);
    await track.ready.promise;
  },
  '/continue': async (client, track) => {
    client.write(`PUT /continue?${id(client)} HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n`);
    await track.ready.promise;
  },
};

// A request's id (its query string), by the client that sends it.
const ids = new WeakMap<RawClient, string>();
const id = (client: RawClient): string => ids.get(client)!;

async function round(port: number, route: string, n: number): Promise<string> {
  const client = await RawClient.connect(port);
  const key = `${route.slice(1)}-${n}`;
  ids.set(client, key);
  const track = trackFor(key);
  await leavers[route]!(client, track);
  client.close();
  await new Promise((resolve) => client.socket.once('close', resolve));
  track.left.resolve();
  return key;
}

const openSockets = (): number => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe.each([...frontEnds, honoFrontEnd])('clients leaving the $name', (frontEnd) => {
  let mounted: Mounted;
  let checked: Validated;
  const unhandled: unknown[] = [];
  const warnings: Error[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  const onWarning = (warning: Error): void => void warnings.push(warning);
  beforeAll(async () => {
    process.on('unhandledRejection', onUnhandled);
    process.on('warning', onWarning);
    tracks.clear(); // ids repeat from one front end to the next
    checked = validated(app);
    mounted = await frontEnd.mount(checked);
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    process.off('warning', onWarning);
    await mounted.close();
  });

  it(`runs close() and each post hook once over ${ROUNDS} rounds, leaking nothing`, async () => {
    const before = openSockets();
    const routesInTurn = Object.keys(leavers);
    const keys: string[] = [];
    for (let start = 0; start < ROUNDS; start += AT_ONCE) {
      const batch = Array.from({ length: AT_ONCE }, (_, i) => start + i);
      keys.push(...(await Promise.all(batch.map((n) => round(mounted.port, routesInTurn[n % routesInTurn.length]!, n)))));
    }
    // Post hooks run last; once every one has, count everything.
    await expect.poll(() => keys.filter((key) => tracks.get(key)!.hooks === 0), { timeout: 10_000 }).toEqual([]);
    const counts = keys.map((key) => [key, tracks.get(key)!.closes, tracks.get(key)!.hooks]);
    expect(counts.filter(([, closes, hooks]) => closes !== 1 || hooks !== 1)).toEqual([]);
    await expect.poll(openSockets, { timeout: 5000 }).toBeLessThanOrEqual(before);
    expect(rulesOf(checked.violations)).toEqual([]);
    expect(unhandled).toEqual([]);
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  });
});
