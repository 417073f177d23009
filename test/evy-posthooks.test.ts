// issue 19: evy, eventlet's fork, keeps its post hooks under environ['evy.posthooks']: the
// very same list as eventlet's, on every front end. A hook pushed to either runs once, in
// order with the others; a list that replaces either key is honoured.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { frontEnds, honoFrontEnd, type Mounted } from './helpers/front-ends.js';
import { fetchRaw, request, routes, waitFor } from './helpers/http.js';
import { usePythonApp } from './helpers/python.js';

let calls: Array<{ hook: string; args: unknown[] }> = [];
const hook = (name: string) => (environ: Environ, ...args: unknown[]): void => {
  expect(environ.PATH_INFO).toMatch(/^\//);
  calls.push({ hook: name, args });
};

const ok = (startResponse: Parameters<WsgiApp>[1]): string[] => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['ok'];
};

const app = routes({
  '/same-list': (environ, startResponse) => {
    calls.push({ hook: 'same', args: [environ['evy.posthooks'] === environ['eventlet.posthooks']] });
    return ok(startResponse);
  },
  '/evy': (environ, startResponse) => {
    environ['evy.posthooks'].push([hook('evy'), [2], { multiplier: 3 }]);
    return ok(startResponse);
  },
  '/both': (environ, startResponse) => {
    environ['eventlet.posthooks'].push([hook('eventlet-1'), ['a']]);
    environ['evy.posthooks'].push([hook('evy-2'), ['b'], { k: 1 }]);
    environ['eventlet.posthooks'].push([hook('eventlet-3')]);
    return ok(startResponse);
  },
  '/evy-replaced': (environ, startResponse) => {
    environ['eventlet.posthooks'].push([hook('eventlet-kept')]);
    environ['evy.posthooks'] = [[hook('evy-replacement'), ['r']]];
    return ok(startResponse);
  },
  '/eventlet-replaced': (environ, startResponse) => {
    environ['evy.posthooks'].push([hook('evy-kept')]);
    environ['eventlet.posthooks'] = [[hook('eventlet-replacement')]];
    return ok(startResponse);
  },
});

describe.each([...frontEnds, honoFrontEnd])('evy.posthooks through the $name', (frontEnd) => {
  let mounted: Mounted;
  beforeAll(async () => {
    mounted = await frontEnd.mount(app);
  });
  afterAll(() => mounted.close());
  beforeEach(() => {
    calls = [];
  });

  async function get(path: string, hooks: number): Promise<void> {
    const response = await fetchRaw(mounted.port, request('GET', path));
    expect(response.status).toBe(200);
    await waitFor(() => calls.length >= hooks, `${hooks} hook calls`);
    await new Promise((resolve) => setTimeout(resolve, 20)); // and no more
  }

  it('is the very same list object as eventlet.posthooks', async () => {
    await get('/same-list', 1);
    expect(calls).toEqual([{ hook: 'same', args: [true] }]);
  });

  it('runs a hook pushed to it after the response, with its args and kwargs, once', async () => {
    await get('/evy', 1);
    expect(calls).toEqual([{ hook: 'evy', args: [2, { multiplier: 3 }] }]);
  });

  it('runs hooks pushed to both keys in the order they were pushed', async () => {
    await get('/both', 3);
    expect(calls).toEqual([
      { hook: 'eventlet-1', args: ['a'] },
      { hook: 'evy-2', args: ['b', { k: 1 }] },
      { hook: 'eventlet-3', args: [] },
    ]);
  });

  it('honours a list that replaced evy.posthooks, after the eventlet list', async () => {
    await get('/evy-replaced', 2);
    expect(calls).toEqual([{ hook: 'eventlet-kept', args: [] }, { hook: 'evy-replacement', args: ['r'] }]);
  });

  it('honours a list that replaced eventlet.posthooks, and still runs the evy list', async () => {
    await get('/eventlet-replaced', 2);
    expect(calls).toEqual([{ hook: 'eventlet-replacement', args: [] }, { hook: 'evy-kept', args: [] }]);
  });
});

// The Python side is tested on the Node front ends in python-front-ends.test.ts; here
// through the fetch front end too, so that every front end runs evy's hooks of Python apps.
describe('evy.posthooks of a Python app through Hono (fetch)', () => {
  const { server } = usePythonApp(honoFrontEnd, 'apps:application');
  const hookLines = (): string[] => server.log.join('').split('\n').filter((line) => line.startsWith('hook '));

  it('runs hooks pushed to both keys once each, in order, with their arguments', async () => {
    expect((await fetchRaw(server.port, request('GET', '/hooks'), 10_000)).body).toBe('hooks');
    await waitFor(() => hookLines().includes('hook third () {}'), 'the last hook', 10_000);
    expect(hookLines()).toEqual(["hook first (2,) {'multiplier': 3}", "hook evy ('e',) {}", 'hook third () {}']);
  });

  it('honours lists that replaced either key', async () => {
    await fetchRaw(server.port, request('GET', '/hooks-replaced'), 10_000);
    await waitFor(() => hookLines().some((line) => line.startsWith('hook evy-replaced')), 'the replaced evy hook', 10_000);
    expect(hookLines().slice(-2)).toEqual(['hook eventlet-replaced () {}', "hook evy-replaced () {'k': 1}"]);
  });
});
