// environ['eventlet.posthooks']: [fn, args?, kwargs?] called as fn(environ, ...args, kwargs),
// in order, once, after the response is sent or the client left; a hook that throws is
// logged, the others still run and the connection is unharmed [Q: eventlet kills it].
import { beforeEach, describe, expect, it } from 'vitest';
import type { Environ, PostHook, WsgiApp } from '@wsgi-bridge/core';
import { RawClient } from './helpers/raw.js';
import { useServer } from './helpers/serve.js';
import { deferred, logText, parseResponse, request, routes, waitFor } from './helpers/http.js';

/** Every hook call: which hook, the environ it got, and the rest of its arguments. */
let calls: Array<{ hook: string; environ: Environ; args: unknown[] }> = [];
const hook = (name: string) => (environ: Environ, ...args: unknown[]): void => {
  calls.push({ hook: name, environ, args });
};
const seen: Environ[] = [];

let bodyGate = deferred();
let hookGate = deferred();

const apps: Record<string, WsgiApp> = {
  // 029: (f, (2,), {'multiplier': 3}) and friends
  '/args': (environ, startResponse) => {
    seen.push(environ);
    environ['eventlet.posthooks'].push(
      [hook('first'), [2], { multiplier: 3 }],
      [hook('second'), [4, 5]],
      [hook('third')],
      [hook('fourth'), null, { only: 'kwargs' }],
    );
    startResponse('200 OK', []);
    return ['ok'];
  },
  '/replaced': (environ, startResponse) => {
    environ['eventlet.posthooks'] = [[hook('replacement'), ['r']]];
    startResponse('200 OK', []);
    return ['ok'];
  },
  '/throws': (environ, startResponse) => {
    environ['eventlet.posthooks'].push(
      [() => { throw new Error('hook exploded'); }],
      [async () => { throw new Error('async hook rejected'); }],
      ['not a function' as unknown as PostHook[0]],
      [hook('survivor')],
    );
    startResponse('200 OK', []);
    return ['ok'];
  },
  // The body waits for the test; the hook then waits too, to show the response did not wait for it.
  '/slow': (environ, startResponse) => {
    environ['eventlet.posthooks'].push([async () => {
      calls.push({ hook: 'slow-start', environ, args: [] });
      await hookGate.promise;
      calls.push({ hook: 'slow-end', environ, args: [] });
    }]);
    environ['eventlet.minimum_write_chunk_size'] = 0;
    startResponse('200 OK', []);
    return (async function* () {
      yield 'part one;';
      await bodyGate.promise;
      yield 'part two';
    })();
  },
  '/app-error': (environ) => {
    environ['eventlet.posthooks'].push([hook('after-error')]);
    throw new Error('app failed');
  },
  // 034: the client sends part of a chunk and leaves; the app never reads.
  '/unread': async (environ, startResponse) => {
    environ['eventlet.posthooks'].push([hook('after-disconnect')]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    startResponse('200 OK', []);
    return ['late'];
  },
};

describe('post hooks', () => {
  const srv = useServer(routes(apps));
  beforeEach(() => {
    calls = [];
  });

  async function get(path: string, extra = ''): Promise<string> {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', path) + extra);
    const body = parseResponse(await client.readResponse()).body;
    client.close();
    return body;
  }

  it('are called in order, once each, as fn(environ, ...args, kwargs)', async () => {
    await get('/args');
    await waitFor(() => calls.length >= 4, 'four hook calls');
    await new Promise((resolve) => setTimeout(resolve, 50)); // a second round would show now
    expect(calls.map(({ hook, args }) => [hook, args])).toEqual([
      ['first', [2, { multiplier: 3 }]],
      ['second', [4, 5]],
      ['third', []],
      ['fourth', [{ only: 'kwargs' }]],
    ]);
    for (const call of calls) expect(call.environ).toBe(seen.at(-1));
  });

  it('read the list at the end, so an app that replaced it is honoured', async () => {
    await get('/replaced');
    await waitFor(() => calls.length >= 1, 'the replacement hook');
    expect(calls.map(({ hook, args }) => [hook, args])).toEqual([['replacement', ['r']]]);
  });

  it('run after the response is sent, and the response does not wait for them', async () => {
    bodyGate = deferred();
    hookGate = deferred();
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/slow'));
    await client.readUntil('part one;');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual([]); // the body is not done: no hook yet
    bodyGate.resolve();
    expect(await client.readUntil('0\r\n\r\n')).toBe('\r\n8\r\npart two\r\n0\r\n\r\n');
    await waitFor(() => calls.length === 1, 'the hook to start');
    // the hook is still running, and the connection already serves the next request
    client.write(request('GET', '/no-such-route'));
    expect(parseResponse(await client.readResponse()).status).toBe(404);
    expect(calls.map((c) => c.hook)).toEqual(['slow-start']);
    hookGate.resolve();
    await waitFor(() => calls.length === 2, 'the hook to finish');
    client.close();
  });

  it('a hook that throws or rejects is logged, the others run, the connection is unharmed', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/throws') + request('GET', '/args'));
    expect(parseResponse(await client.readResponse()).body).toBe('ok');
    expect(parseResponse(await client.readResponse()).body).toBe('ok'); // the pipelined request is answered
    client.close();
    await waitFor(() => calls.some((c) => c.hook === 'survivor') && calls.length >= 5, 'the surviving hooks');
    const log = logText(srv);
    expect(log).toMatch(/Post hook 0 failed:\nError: hook exploded/);
    expect(log).toMatch(/Post hook 1 failed:\nError: async hook rejected/);
    expect(log).toMatch(/Post hook 2 failed:\n.*entry 2 is not \[fn, args\?, kwargs\?\]/);
  });

  it('run after an app error', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/app-error'));
    expect(parseResponse(await client.readResponse()).status).toBe(500);
    client.close();
    await waitFor(() => calls.some((c) => c.hook === 'after-error'), 'the hook after the error');
  });

  it('run when the client went away mid-request (034)', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('POST', '/unread', [['Transfer-Encoding', 'chunked']], '20\r\nshort'));
    await new Promise((resolve) => setTimeout(resolve, 20));
    client.close();
    await waitFor(() => calls.some((c) => c.hook === 'after-disconnect'), 'the hook after the disconnect');
    expect(calls.filter((c) => c.hook === 'after-disconnect')).toHaveLength(1);
  });

  it('are not run for a request rejected before the app', async () => {
    const client = await RawClient.connect(srv.port);
    client.write('GARBAGE\r\n\r\n');
    expect(await client.readToEnd()).toMatch(/^HTTP\/1\.1 400 /);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toEqual([]);
  });
});
