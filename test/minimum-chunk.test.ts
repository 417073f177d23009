// Minimum chunk size: small yields are coalesced until minimumChunkSize bytes are
// buffered (eventlet's 4096), off with 0, and environ['eventlet.minimum_write_chunk_size']
// overrides it per request (read as Python's int(), so '1' works too).
import { describe, expect, it } from 'vitest';
import type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';
import { chunkSizes, deferred, fetchRaw, logText, request, routes } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';
import { useServer, type TestServer } from './helpers/serve.js';

/** An app that sets the per-request override from ?size=… (if any), then yields these parts. */
function yields(...parts: Array<string | number>): WsgiApp {
  return (environ: Environ, startResponse: StartResponse) => {
    const size = /(?:^|&)size=([^&]*)/.exec(environ.QUERY_STRING)?.[1];
    if (size !== undefined) environ['eventlet.minimum_write_chunk_size'] = decodeURIComponent(size);
    startResponse('200 OK', []);
    return (function* () {
      for (const part of parts) yield typeof part === 'number' ? Buffer.alloc(part, 120) : part;
    })();
  };
}

let gate = deferred();
/** Yields one space, then waits for the test before finishing (062's "first ' ' arrives at once"). */
const firstByte: WsgiApp = (environ, startResponse) => {
  if (environ.QUERY_STRING !== '') environ['eventlet.minimum_write_chunk_size'] = Number(environ.QUERY_STRING);
  startResponse('200 OK', []);
  return (async function* () {
    yield ' ';
    await gate.promise;
    yield 'rest';
  })();
};

const app = routes({
  '/small': yields('ab', 'cd'),
  '/three-thousands': yields(3000, 3000, 3000),
  '/five-thousand': yields(5000, 'tail'),
  '/first-byte': firstByte,
});

async function sizesOf(srv: TestServer, target: string): Promise<number[]> {
  return chunkSizes((await fetchRaw(srv.port, request('GET', target))).rawBody);
}

/** Whether the first chunk of /first-byte reaches the client while the app is still waiting. */
async function firstByteArrivesEarly(srv: TestServer, query: string): Promise<boolean> {
  gate = deferred();
  const client = await RawClient.connect(srv.port);
  client.write(request('GET', `/first-byte${query}`));
  let early = true;
  try {
    await client.readUntil('1\r\n \r\n', 800); // generous: a loaded machine must not make "early" look held back
  } catch {
    early = false;
  }
  gate.resolve();
  // either way the whole body follows once the app goes on
  expect(await client.readUntil('rest\r\n0\r\n\r\n')).toMatch(early ? /^4\r\n/ : /\r\n\r\n5\r\n rest\r\n0/);
  client.close();
  return early;
}


describe('minimum chunk size at its default (4096)', () => {
  const srv = useServer(app, {});
  it('coalesces small yields, flushes once 4096 bytes are buffered, and flushes the rest at the end', async () => {
    expect(await sizesOf(srv, '/small')).toEqual([4, 0]);
    expect(await sizesOf(srv, '/three-thousands')).toEqual([6000, 3000, 0]);
    expect(await sizesOf(srv, '/five-thousand')).toEqual([5000, 4, 0]);
  });

  it('holds back a first small yield (062 not_override)', async () => {
    expect(await firstByteArrivesEarly(srv, '')).toBe(false);
  });

  it('environ override per request, as a number or a string (062 override)', async () => {
    expect(await sizesOf(srv, '/small?size=1')).toEqual([2, 2, 0]);
    expect(await sizesOf(srv, '/small?size=0')).toEqual([2, 2, 0]);
    expect(await sizesOf(srv, '/three-thousands?size=10000')).toEqual([9000, 0]);
    expect(await firstByteArrivesEarly(srv, '?1')).toBe(true);
  });

  it('an override that is not a non-negative integer is a 500 that says so', async () => {
    expect((await fetchRaw(srv.port, request('GET', '/small?size=lots'))).status).toBe(500);
    expect(logText(srv)).toMatch(/eventlet.minimum_write_chunk_size must be a non-negative integer, got lots/);
    // read as Python's int(): blanks around the digits are fine, trailing junk is not
    expect(await sizesOf(srv, '/small?size=%201%20')).toEqual([2, 2, 0]);
    expect((await fetchRaw(srv.port, request('GET', '/small?size=12abc'))).status).toBe(500);
    expect(logText(srv)).toMatch(/got 12abc/);
  });
});

describe('minimum chunk size off (minimumChunkSize: 0)', () => {
  const srv = useServer(app, { minimumChunkSize: 0 });
  it('sends each yield as its own chunk, at once', async () => {
    expect(await sizesOf(srv, '/small')).toEqual([2, 2, 0]);
    expect(await sizesOf(srv, '/three-thousands')).toEqual([3000, 3000, 3000, 0]);
    expect(await firstByteArrivesEarly(srv, '')).toBe(true);
  });

  it('the per-request override turns coalescing back on', async () => {
    expect(await sizesOf(srv, '/small?size=4096')).toEqual([4, 0]);
    expect(await firstByteArrivesEarly(srv, '?4096')).toBe(false);
  });
});

describe('a custom minimumChunkSize', () => {
  const srv = useServer(app, { minimumChunkSize: 3 });
  it('flushes as soon as that many bytes are buffered', async () => {
    expect(await sizesOf(srv, '/small')).toEqual([4, 0]);
    expect(await sizesOf(srv, '/five-thousand')).toEqual([5000, 4, 0]);
  });
});
