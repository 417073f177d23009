import type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';
import { RawClient } from './raw.js';

/** A response read off the wire, split into its parts (the body de-chunked when chunked). */
export interface ParsedResponse {
  statusLine: string;
  status: number;
  /** Header pairs in wire order, names as sent. */
  headers: Array<[string, string]>;
  /** The first value of a header (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** How many times a header appears (case-insensitive). */
  count(name: string): number;
  /** The body as the app produced it (chunk framing removed). */
  body: string;
  /** The body bytes exactly as they came after the blank line. */
  rawBody: string;
}

/** Split a raw response (latin-1 text) into status, headers and body. */
export function parseResponse(raw: string): ParsedResponse {
  const split = raw.indexOf('\r\n\r\n');
  if (split === -1) throw new Error(`no end of head in ${JSON.stringify(raw)}`);
  const [statusLine, ...lines] = raw.slice(0, split).split('\r\n');
  const headers = lines.map((line): [string, string] => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon), line.slice(colon + 1).trim()];
  });
  const find = (name: string): Array<[string, string]> =>
    headers.filter(([key]) => key.toLowerCase() === name.toLowerCase());
  const rawBody = raw.slice(split + 4);
  const chunked = find('transfer-encoding').some(([, value]) => value.toLowerCase() === 'chunked');
  return {
    statusLine: statusLine!,
    status: Number(statusLine!.split(' ')[1]),
    headers,
    header: (name) => find(name)[0]?.[1],
    count: (name) => find(name).length,
    body: chunked ? dechunk(rawBody) : rawBody,
    rawBody,
  };
}

/** Decode a complete chunked body; throws when the framing is wrong or unterminated. */
export function dechunk(body: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) throw new Error(`unterminated chunked body: ${JSON.stringify(body)}`);
    const size = parseInt(body.slice(at, eol), 16);
    if (Number.isNaN(size)) throw new Error(`bad chunk size at ${at}: ${JSON.stringify(body)}`);
    if (size === 0) return out;
    out += body.slice(eol + 2, eol + 2 + size);
    if (body.slice(eol + 2 + size, eol + 4 + size) !== '\r\n') throw new Error(`chunk not followed by CRLF: ${JSON.stringify(body)}`);
    at = eol + 4 + size;
  }
}

/** The chunk sizes of a chunked body, terminator included (`[5, 10, 0]`). */
export function chunkSizes(body: string): number[] {
  const sizes: number[] = [];
  let at = 0;
  for (;;) {
    const eol = body.indexOf('\r\n', at);
    if (eol === -1) return sizes;
    const size = parseInt(body.slice(at, eol), 16);
    sizes.push(size);
    if (size === 0) return sizes;
    at = eol + 4 + size;
  }
}

/** A request's bytes: `GET / HTTP/1.1`, Host, the given headers, then the body as is. */
export function request(
  method: string,
  target: string,
  headers: Array<[string, string]> = [],
  body = '',
  version = 'HTTP/1.1',
): string {
  const lines = [`${method} ${target} ${version}`, 'Host: localhost', ...headers.map(([k, v]) => `${k}: ${v}`)];
  return `${lines.join('\r\n')}\r\n\r\n${body}`;
}

/** Encode `parts` as a chunked body, terminator included. */
export function chunked(...parts: string[]): string {
  return parts.map((p) => `${Buffer.byteLength(p, 'latin1').toString(16)}\r\n${p}\r\n`).join('') + '0\r\n\r\n';
}

/** Poll until `ready()` holds; fail with `what` after `timeoutMs`. */
export async function waitFor(ready: () => boolean, what: string, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** A promise with its resolve function outside, to let a test and an app take turns. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** An app answering `200 OK` text/plain with `body`, recording each environ it saw. */
export function recordingApp(body: string | ((environ: Environ) => string) = 'ok'): WsgiApp & { seen: Environ[] } {
  const seen: Environ[] = [];
  const app = (environ: Environ, startResponse: StartResponse) => {
    seen.push(environ);
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [typeof body === 'string' ? body : body(environ)];
  };
  return Object.assign(app, { seen });
}

/** The text of a server's captured log, to search in. */
export const logText = (server: { log: string[] }): string => server.log.join('');

/** One app serving several small apps by PATH_INFO, so a test file needs one server. */
export function routes(table: Record<string, WsgiApp>): WsgiApp {
  return (environ, startResponse) => {
    const app = table[environ.PATH_INFO];
    if (app !== undefined) return app(environ, startResponse);
    startResponse('404 Not Found', [['Content-Type', 'text/plain']]);
    return [`no route ${environ.PATH_INFO}`];
  };
}

/** Send `bytes` on a fresh connection and parse the one response that comes back. */
export async function fetchRaw(port: number, bytes: string, timeoutMs = 3000): Promise<ParsedResponse> {
  const client = await RawClient.connect(port);
  try {
    client.write(bytes);
    return parseResponse(await client.readResponse(timeoutMs));
  } finally {
    client.close();
  }
}

/** What the design allows for bad client input: a 4xx that says Connection: close, or a silent close. */
export const REFUSAL = /^(|HTTP\/1\.[01] 4\d\d [^\r]*\r\n(?:[^\r]+\r\n)*?Connection: close\r\n[\s\S]*)$/i;
