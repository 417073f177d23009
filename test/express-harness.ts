// Shared by the test/express-*.test.ts files: both Express majors, a loopback server,
// a plain HTTP client that streams, and a WSGI app that reports what it saw.
import http from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import express from 'express';
import type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';

const require = createRequire(import.meta.url);

/** The `express` module; Express 4's has the same shape where these tests use it. */
export type ExpressModule = typeof express;

/** Express 5 and Express 4 (the npm alias `express4`), for `describe.each`. */
export const expressVersions: Array<{ name: string; express: ExpressModule }> = [
  { name: 'Express 5', express },
  { name: 'Express 4', express: require('express4') as ExpressModule },
];

/** A server on a loopback port. */
export interface Listening {
  port: number;
  url: string;
  close(): Promise<void>;
}

/** Serve a request listener (an Express app) on 127.0.0.1, port 0. */
export async function listen(listener: http.RequestListener): Promise<Listening> {
  const server = http.createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A response as `send` returns it. */
export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request with any method on a fresh connection; the response body is read as UTF-8. */
export function send(url: string, method: string, path: string, body?: string | Buffer, headers: http.OutgoingHttpHeaders = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // Node's client frames a GET or DELETE body only when told its length.
    const framing = body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) };
    const req = http.request(`${url}${path}`, { method, headers: { ...framing, ...headers }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** The environ's text values (CGI keys, HTTP_*, wsgi.url_scheme) and the body read, as an app saw them. */
export type EnvironView = Record<string, string>;

/** A WSGI app answering with an {@link EnvironView} as JSON; `calls` counts its requests. */
export function environApp(): WsgiApp & { calls: number } {
  const app = async (environ: Environ, startResponse: StartResponse) => {
    app.calls += 1;
    const view: EnvironView = {};
    for (const [key, value] of Object.entries(environ)) if (typeof value === 'string') view[key] = value;
    view.body = (await environ['wsgi.input'].read()).toString('latin1');
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(view)];
  };
  app.calls = 0;
  return app;
}

/** Resolve with `promise`, or fail naming `what` after `ms`. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
