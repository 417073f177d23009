import type { Server } from 'node:http';
import { afterEach } from 'vitest';
import type { ServerOptions, WsgiApp } from '@wsgi-bridge/server';
import { serve, type TestServer } from './serve.js';

/**
 * serve() for a file whose tests each start their own server: the returned function
 * starts one, and whatever a test started is closed after it (closing twice is harmless).
 */
export function serveEach(): (app: WsgiApp, options?: ServerOptions) => Promise<TestServer> {
  let started: TestServer[] = [];
  afterEach(async () => {
    await Promise.all(started.map((srv) => srv.close()));
    started = [];
  });
  return async (app, options) => {
    const srv = await serve(app, options);
    started.push(srv);
    return srv;
  };
}

/** A promise the test settles by hand, to hold an app at a known point. */
export function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

/**
 * Node servers a test file starts by hand: push each one onto the returned list, and
 * every one is closed after its test, open connections and all.
 */
export function closedAfterEach(): Server[] {
  const servers: Server[] = [];
  afterEach(async () => {
    for (const server of servers.splice(0)) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
  return servers;
}
