// wsgi.input builds a read that spans chunks in the first chunk's own memory when no one
// else can see it. These tests read large random bodies in random pieces, keep every
// piece, and check at the end that all of them still hold the body's bytes: a piece
// written over by a later read, or a chunk a 'data' listener kept, would show.
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import express from 'express';
import { describe, expect, it } from 'vitest';
import type { WsgiApp, WsgiInput } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { frontEnds, honoFrontEnd } from './helpers/front-ends.js';

/** mulberry32: the same pieces for the same seed, so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Read to the end in pieces of random sizes (around 64 KiB most of all), by read() and readline(). */
async function readPieces(input: WsgiInput, seed: number): Promise<Buffer[]> {
  const next = random(seed);
  const pieces: Buffer[] = [];
  for (;;) {
    const pick = next();
    const size = pick < 0.3 ? 65536 : pick < 0.6 ? 1 + Math.floor(next() * 140_000) : 1 + Math.floor(next() * 300);
    const piece = pick > 0.9 ? await input.readline(size) : await input.read(size);
    if (piece.length === 0) return pieces;
    pieces.push(piece);
  }
}

const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Answers with the hash of every piece read, joined once the body has ended. */
const hashPieces: WsgiApp = async (environ, startResponse) => {
  const pieces = await readPieces(environ['wsgi.input'], Number(environ.QUERY_STRING));
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [sha256(Buffer.concat(pieces))];
};

/**
 * POST `body` over a raw socket in writes of random sizes, now and then letting the
 * event loop turn so that the server's reads end at varied places; resolves with the
 * response body.
 */
async function upload(port: number, body: Buffer, seed: number): Promise<string> {
  const next = random(seed + 1);
  const socket = connect(port, '127.0.0.1');
  const response: Buffer[] = [];
  socket.on('data', (data: Buffer) => response.push(data));
  const ended = new Promise<void>((resolve, reject) => {
    socket.on('end', resolve);
    socket.on('error', reject);
  });
  socket.write(`POST /?${seed} HTTP/1.1\r\nHost: t\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n`);
  for (let at = 0; at < body.length;) {
    const size = Math.min(body.length - at, 1 + Math.floor(next() * 100_000));
    socket.write(body.subarray(at, (at += size)));
    if (next() < 0.5) await tick();
  }
  await ended;
  const text = Buffer.concat(response).toString('latin1');
  return text.slice(text.indexOf('\r\n\r\n') + 4);
}

const BODY = randomBytes(3 * 1024 * 1024);
const SEEDS = [1, 2, 3];

describe.each([...frontEnds, honoFrontEnd])('wsgi.input pieces stay intact on $name', (frontEnd) => {
  it.each(SEEDS)('3 MiB read in random pieces, seed %i', async (seed) => {
    const mounted = await frontEnd.mount(hashPieces);
    try {
      expect(await upload(mounted.port, BODY, seed)).toBe(sha256(BODY));
    } finally {
      await mounted.close();
    }
  });
});

describe('wsgi.input and a data listener on the request', () => {
  it.each(SEEDS)('the chunks a tap keeps are not written over, seed %i', async (seed) => {
    const tapped: Buffer[] = [];
    const web = express();
    web.use((req, _res, next) => {
      req.on('data', (chunk: Buffer) => tapped.push(chunk));
      req.pause(); // the tap sees each chunk as the app reads it
      next();
    });
    web.use(wsgiMount(hashPieces));
    const server = createServer(web);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      expect(await upload((server.address() as AddressInfo).port, BODY, seed)).toBe(sha256(BODY));
      expect(sha256(Buffer.concat(tapped))).toBe(sha256(BODY));
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
