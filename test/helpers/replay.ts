import type { Environ, WsgiApp, WsgiInput } from '@wsgi-bridge/core';
import type { Fixture, Seen } from '../requests/index.js';
import { parseResponse, type ParsedResponse } from './http.js';
import { RawClient } from './raw.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same splits on every run. */
export function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable number from a text, to seed per fixture. */
export function hash(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}

// Byte-by-byte sending of a 100 KB fixture would be 100,000 round trips: past this many
// pieces the rest goes in one write.
const MAX_PIECES = 4096;

/** Piece sizes from `next(offset)`, until the bytes or MAX_PIECES run out (the rest goes in one write). */
function cut(bytes: Buffer, next: (at: number) => number): number[] {
  const sizes: number[] = [];
  for (let at = 0; at < bytes.length && sizes.length < MAX_PIECES; at += sizes.at(-1)!) sizes.push(next(at));
  return sizes;
}

/** How the client cuts the bytes into writes (gunicorn's senders). */
export const senders: Record<string, (bytes: Buffer, random: () => number) => number[]> = {
  whole: (bytes) => [bytes.length],
  'line by line': (bytes) => cut(bytes, (at) => {
    const eol = bytes.indexOf(0x0a, at);
    return eol === -1 ? bytes.length - at : eol + 1 - at;
  }),
  'byte by byte': (bytes) => cut(bytes, () => 1),
  'first byte, then the rest': () => [1],
  'random splits': (bytes, random) => cut(bytes, () => 1 + Math.floor(random() * 64)),
};

/** How the app reads wsgi.input (gunicorn's readers and read sizes). */
export const readers: Record<string, (input: WsgiInput, random: () => number) => Promise<Buffer>> = {
  'read()': async (input) => input.read(),
  'read(1)': (input) => readAll(() => input.read(1)),
  'read(1..4)': (input, random) => readAll(() => input.read(1 + Math.floor(random() * 4))),
  'read(1..4096)': (input, random) => readAll(() => input.read(1 + Math.floor(random() * 4096))),
  'readline()': (input) => readAll(() => input.readline()),
  'readline(3)': (input) => readAll(() => input.readline(3)),
  'readlines()': async (input) => Buffer.concat(await input.readlines()),
  'for await': async (input) => {
    const lines: Buffer[] = [];
    for await (const line of input) lines.push(line);
    return Buffer.concat(lines);
  },
};

async function readAll(next: () => Promise<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (let part = await next(); part.length > 0; part = await next()) parts.push(part);
  return Buffer.concat(parts);
}

/** What the echo app recorded for one request. */
export interface Recorded {
  method: string;
  path: string;
  query: string;
  environ: Record<string, string>;
  body: string;
  /** Whether the app got the whole body (false: the read failed). */
  complete: boolean;
}

/**
 * An app that reads the whole body with the reader chosen for its connection (keyed by
 * the client's port), records the request, and answers `200 ok`.
 */
export class EchoApp {
  readonly seen = new Map<string, Recorded[]>();
  readonly #readers = new Map<string, [reader: keyof typeof readers, seed: number]>();

  /** Use `reader` for requests from the client port `port`. */
  expect(port: number, reader: keyof typeof readers, seed: number): void {
    this.#readers.set(String(port), [reader, seed]);
    this.seen.set(String(port), []);
  }

  /** Forget a connection's records. */
  forget(port: number): void {
    this.#readers.delete(String(port));
    this.seen.delete(String(port));
  }

  readonly app: WsgiApp = async (environ, startResponse) => {
    const [reader, seed] = this.#readers.get(environ.REMOTE_PORT) ?? ['read()', 0];
    // Recorded on the call: pipelined requests run side by side, each reads at its own pace.
    const recorded = record(environ);
    this.seen.get(environ.REMOTE_PORT)?.push(recorded);
    recorded.body = (await readers[reader]!(environ['wsgi.input'], seeded(seed))).toString('latin1');
    recorded.complete = true;
    startResponse('200 OK', [['Content-Type', 'text/plain'], ['Content-Length', '2']]);
    return environ.REQUEST_METHOD === 'HEAD' ? [] : ['ok'];
  };
}

function record(environ: Environ): Recorded {
  const strings: Record<string, string> = {};
  for (const [key, value] of Object.entries(environ)) if (typeof value === 'string') strings[key] = value;
  return {
    method: environ.REQUEST_METHOD,
    path: environ.SCRIPT_NAME + environ.PATH_INFO,
    query: environ.QUERY_STRING,
    environ: strings,
    body: '',
    complete: false,
  };
}

/** The request appended after a fixture that leaves the connection open: it must be served. */
export const SENTINEL = 'GET /sentinel HTTP/1.1\r\nHost: example.test\r\nConnection: close\r\n\r\n';

/** What a replay got back. */
export interface Replayed {
  /** The responses, in order. */
  responses: ParsedResponse[];
  /** Whether the server closed the connection at the end. */
  closed: boolean;
  /** Bytes that came after the last whole response. */
  trailing: string;
}

/** What the app should record for a fixture, sentinel included. */
export function expectedSeen(fixture: Fixture): Seen[] {
  return fixture.then === 'open' ? [...fixture.seen, { path: '/sentinel' }] : fixture.seen;
}

/** The same shape as Recorded, from a fixture's expectation, to compare with toEqual. */
export function comparable(seen: Seen, got: Recorded | undefined): Expected {
  const environ: Record<string, string | null> = {};
  for (const key of Object.keys(seen.environ ?? {})) environ[key] = got?.environ[key] ?? null;
  return { method: got?.method ?? '', path: got?.path ?? '', query: got?.query ?? '', environ, body: got?.body ?? '' };
}

/** A recorded request as a fixture states it. */
export type Expected = Omit<Recorded, 'environ' | 'complete'> & { environ: Record<string, string | null> };

export const wanted = (seen: Seen): Expected => ({
  method: seen.method ?? 'GET',
  path: seen.path,
  query: seen.query ?? '',
  environ: seen.environ ?? {},
  body: seen.body ?? '',
});

/**
 * Send a fixture (plus the sentinel when the connection should stay open) in the
 * given pieces while reading what comes back: a response per request the fixture
 * expects, then the rejection or the close. Bounded by `timeoutMs`.
 */
export async function replay(
  client: RawClient,
  fixture: Fixture,
  pieces: (bytes: Buffer) => number[],
  timeoutMs: number,
): Promise<Replayed> {
  const bytes = Buffer.from(fixture.raw + (fixture.then === 'open' ? SENTINEL : ''), 'latin1');
  const writing = send(client, bytes, pieces(bytes));
  const responses: ParsedResponse[] = [];
  let rest = '';
  try {
    for (const seen of expectedSeen(fixture)) responses.push(await finalResponse(client, seen.method === 'HEAD', timeoutMs));
    rest = await client.readToEnd(timeoutMs);
  } catch {
    rest = client.take(); // a missing response or a connection left open fails the test
  }
  // What comes last on a refused request is its refusal, whatever its framing.
  const refused = fixture.then !== 'open' && fixture.then !== 'close' && rest !== '';
  if (refused) responses.push(parseResponse(rest));
  await writing;
  return { responses, closed: client.closed, trailing: refused ? '' : rest };
}

/** The next final response, past any 100 Continue (sent when the app reads a body the client sent anyway). */
async function finalResponse(client: RawClient, head: boolean, timeoutMs: number): Promise<ParsedResponse> {
  for (;;) {
    const response = parseResponse(await client.readResponse(timeoutMs, head));
    if (response.status >= 200) return response;
  }
}

/** Write the pieces one by one, each after the last has left, until the server closes. */
async function send(client: RawClient, bytes: Buffer, sizes: number[]): Promise<void> {
  let at = 0;
  for (const size of sizes) {
    if (client.closed || at >= bytes.length) return;
    await write(client, bytes.subarray(at, at + size));
    at += size;
  }
  if (at < bytes.length && !client.closed) await write(client, bytes.subarray(at));
}

function write(client: RawClient, piece: Buffer): Promise<void> {
  return new Promise((resolve) => client.socket.write(piece, () => resolve()));
}
