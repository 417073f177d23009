// App errors under Express: before any byte they reach Express's error handlers through
// next(err); after bytes went out the connection is cut. Post hooks run once the response
// (the app's or the error handler's) has finished.
import type { ServerResponse } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Environ, WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { RawClient } from './helpers/raw.js';
import { deferred, parseResponse, request, routes } from './helpers/http.js';
import { expressVersions, listen, send, within, type Listening } from './express-harness.js';

const TEXT: [string, string] = ['Content-Type', 'text/plain'];
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe.each(expressVersions)('errors and post hooks on $name', ({ express }) => {
  const boom = new Error('boom');
  const log: string[] = [];
  const handled: unknown[] = [];
  let currentRes: ServerResponse | undefined;
  let hookRuns: Array<{ args: unknown[]; finished: boolean }> = [];
  let hooksRan = deferred();

  // A hook that records its arguments and whether the response had finished when it ran.
  const recordHook = (_environ: Environ, ...args: unknown[]): void => {
    hookRuns.push({ args, finished: currentRes?.writableFinished === true });
  };

  const apps: Record<string, WsgiApp> = {
    '/sync-throw': () => {
      throw boom;
    },
    '/async-throw': async () => {
      await tick();
      throw boom;
    },
    '/throw-in-body': (_environ, startResponse) => {
      startResponse('200 OK', [TEXT]);
      return (function* () {
        yield ''; // nothing to send yet, so the head is still unsent
        throw boom;
      })();
    },
    '/throw-undefined': () => {
      throw undefined;
    },
    '/throw-route': () => {
      throw 'route';
    },
    '/throw-after-bytes': (environ, startResponse) => {
      environ['eventlet.minimum_write_chunk_size'] = 0; // send each chunk at once
      startResponse('200 OK', [TEXT]);
      return (async function* () {
        yield 'partial';
        await tick();
        throw boom;
      })();
    },
    '/hooks': (environ, startResponse) => {
      environ['eventlet.posthooks'].push(
        [recordHook, [1, 'two'], { k: 'v' }],
        [() => {
          throw new Error('hook failure');
        }],
        [async (_environ: Environ, ...args: unknown[]) => {
          await tick();
          recordHook(_environ, ...args);
          hooksRan.resolve();
        }, ['async']],
      );
      startResponse('200 OK', [TEXT]);
      return ['hooked'];
    },
    '/hook-then-throw': (environ) => {
      environ['eventlet.posthooks'].push([(env: Environ) => {
        recordHook(env, 'after the error handler');
        hooksRan.resolve();
      }]);
      throw boom;
    },
  };

  let srv: Listening;
  beforeAll(async () => {
    const server = express();
    server.use((_req, res, next) => {
      currentRes = res;
      next();
    });
    server.use('/e', wsgiMount(routes(apps), { errors: (text) => log.push(text) }));
    server.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      handled.push(err);
      res.status(418).type('text/plain').send(`handled: ${err.message}`);
    });
    srv = await listen(server);
  });
  afterAll(() => srv.close());
  beforeEach(() => {
    handled.length = 0;
    log.length = 0;
    hookRuns = [];
    hooksRan = deferred();
  });

  it.each(['/sync-throw', '/async-throw', '/throw-in-body'])('an error before any byte goes to next(err) (%s)', async (path) => {
    const reply = await send(srv.url, 'GET', `/e${path}`);
    expect(reply.status).toBe(418);
    expect(reply.body).toBe('handled: boom');
    expect(handled).toEqual([boom]);
    expect(handled[0]).toBe(boom); // the very object the app threw
    expect(log.join('')).toContain('Error: boom');
  });

  it.each([
    ['/throw-undefined', 'the WSGI app threw undefined'],
    ['/throw-route', "the WSGI app threw 'route'"],
  ])('a thrown value Express would read as "no error" or a skip arrives as an Error (%s)', async (path, message) => {
    const reply = await send(srv.url, 'GET', `/e${path}`);
    expect(reply.status).toBe(418);
    expect(reply.body).toBe(`handled: ${message}`);
    expect(handled).toHaveLength(1);
    expect(handled[0]).toBeInstanceOf(Error);
  });

  it('an error after bytes went out cuts the connection, without a terminator, and skips the handlers', async () => {
    const client = await RawClient.connect(srv.port);
    client.write(request('GET', '/e/throw-after-bytes'));
    const raw = await client.readToEnd();
    expect(raw).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(raw).toContain('\r\n\r\n7\r\npartial\r\n');
    expect(raw.endsWith('0\r\n\r\n')).toBe(false);
    expect(handled).toEqual([]);
    expect(log.join('')).toContain('Error: boom');
  });

  it('post hooks run in order after the response finished, a failing one logged, the connection kept', async () => {
    const client = await RawClient.connect(srv.port);
    for (let round = 0; round < 2; round++) {
      client.write(request('GET', '/e/hooks'));
      const response = parseResponse(await client.readResponse());
      expect(response.body).toBe('hooked');
      await within(hooksRan.promise, 3000, 'the post hooks');
      expect(hookRuns).toEqual([
        { args: [1, 'two', { k: 'v' }], finished: true },
        { args: ['async'], finished: true },
      ]);
      expect(log.join('')).toContain('Post hook 1 failed:\nError: hook failure');
      hookRuns = [];
      hooksRan = deferred();
    }
    expect(client.closed).toBe(false);
    client.close();
  });

  it("post hooks also run after an error handler's response", async () => {
    const reply = await send(srv.url, 'GET', '/e/hook-then-throw');
    expect(reply.body).toBe('handled: boom');
    await within(hooksRan.promise, 3000, 'the post hook');
    expect(hookRuns).toEqual([{ args: ['after the error handler'], finished: true }]);
  });
});
