import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll } from 'vitest';
import { listen, server, type ServerOptions } from '@wsgi-bridge/server';
import type { WsgiApp } from '@wsgi-bridge/core';

/** A standalone server on a loopback port, with its log captured. */
export interface TestServer {
  port: number;
  url: string;
  /** Every log line and wsgi.errors text, in order. */
  log: string[];
  /** Close the socket and wait for server() to resolve. */
  close(): Promise<void>;
}

export async function serve(app: WsgiApp, options: ServerOptions = {}): Promise<TestServer> {
  const log: string[] = [];
  const sock = listen(['127.0.0.1', 0]);
  const done = server(sock, app, { log: { write: (text: string) => log.push(text) }, ...options });
  if (!sock.listening) await new Promise((resolve) => sock.once('listening', resolve));
  const port = (sock.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    log,
    async close() {
      sock.close();
      await done;
    },
  };
}

/**
 * A server for the enclosing describe block: started in beforeAll, closed in afterAll.
 * The object is filled in when beforeAll runs, so read its fields inside tests only.
 */
export function useServer(app: WsgiApp, options: ServerOptions = {}): TestServer {
  const handle = {} as TestServer;
  beforeAll(async () => {
    Object.assign(handle, await serve(app, options));
  });
  afterAll(() => handle.close());
  return handle;
}
