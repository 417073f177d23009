// issue 17: environ['wsgi.file_wrapper'] on every front end. A 5 MB file arrives byte-exact;
// forty downloads, ten of them abandoned mid-way, leave no descriptor of the file open;
// the file is closed exactly once whether the body ends, the client leaves or the app
// fails; a client that stops reading does not make the server read the whole file.
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Readable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WsgiError, type WsgiApp } from '@wsgi-bridge/core';
import { runExample } from './helpers/example.js';
import { frontEnds, honoFrontEnd, type Mounted } from './helpers/front-ends.js';
import { routes, waitFor } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

const SIZE = 5 * 1024 * 1024;
// Loopback socket buffers take several MiB: the stalled download needs a file well past that.
const BIG = 64 * 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), 'wsgi-file-wrapper-'));
const path = join(dir, 'five-megabytes.bin');
const bigPath = join(dir, 'sixty-four-megabytes.bin');
const content = randomBytes(SIZE);
const digest = createHash('sha256').update(content).digest('hex');
writeFileSync(path, content);
writeFileSync(bigPath, Buffer.alloc(BIG));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Descriptors of this process open on the test files. */
function openOnFile(): number {
  let count = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (target === path || target === bigPath) count++;
    } catch {
      // closed while we looked
    }
  }
  return count;
}

/** An open FileHandle that counts its closes and the bytes read through it; it may fail after `failAfter` bytes. */
async function countedFile(
  file = path,
  failAfter = Infinity,
): Promise<{ handle: FileHandle; closes: () => number; bytesRead: () => number }> {
  const handle = await open(file);
  let closes = 0;
  let bytesRead = 0;
  const close = handle.close.bind(handle);
  const read = handle.read.bind(handle) as (...args: unknown[]) => Promise<{ bytesRead: number }>;
  Object.assign(handle, {
    close: () => {
      closes++;
      return close();
    },
    read: async (...args: unknown[]) => {
      if (bytesRead >= failAfter) throw new Error('the disk went away');
      const result = await read(...args);
      bytesRead += result.bytesRead;
      return result;
    },
  });
  return { handle, closes: () => closes, bytesRead: () => bytesRead };
}

let last: Awaited<ReturnType<typeof countedFile>> | null = null;

const app = routes({
  '/file': async (environ, startResponse) => {
    last = await countedFile();
    startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(SIZE)]]);
    return environ['wsgi.file_wrapper'](last.handle, 16 * 1024);
  },
  '/stream': (environ, startResponse) => {
    startResponse('200 OK', [['Content-Type', 'application/octet-stream']]);
    return environ['wsgi.file_wrapper'](Readable.from([Buffer.from('from a '), Buffer.from('Readable')]));
  },
  '/big': async (environ, startResponse) => {
    last = await countedFile(bigPath);
    startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(BIG)]]);
    return environ['wsgi.file_wrapper'](last.handle);
  },
  '/no-start-response': async (environ) => {
    last = await countedFile();
    return environ['wsgi.file_wrapper'](last.handle);
  },
  '/fails-midway': async (environ, startResponse) => {
    last = await countedFile(path, 1024 * 1024);
    startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(SIZE)]]);
    return environ['wsgi.file_wrapper'](last.handle);
  },
  '/not-a-file': (environ, startResponse) => {
    startResponse('200 OK', []);
    return environ['wsgi.file_wrapper']('five-megabytes.bin' as never);
  },
});

/** GET `target` with node:http; the body's sha256 and length. */
function download(port: number, target: string): Promise<{ status: number; digest: string; length: number }> {
  return new Promise((resolve, reject) => {
    httpRequest({ port, host: '127.0.0.1', path: target, agent: false }, (res) => {
      const hash = createHash('sha256');
      let length = 0;
      res.on('data', (chunk: Buffer) => {
        hash.update(chunk);
        length += chunk.length;
      });
      res.on('end', () => resolve({ status: res.statusCode!, digest: hash.digest('hex'), length }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

/** Start a download on a raw socket, read `bytes` of it, then leave. */
async function abandon(port: number, bytes: number): Promise<void> {
  const client = await RawClient.connect(port);
  client.write('GET /file HTTP/1.1\r\nHost: x\r\n\r\n');
  await client.readUntil('\r\n\r\n');
  await client.readBytes(bytes);
  client.close();
}

describe.each([...frontEnds, honoFrontEnd])('wsgi.file_wrapper through the $name', (frontEnd) => {
  let mounted: Mounted;
  beforeAll(async () => {
    mounted = await frontEnd.mount(app);
  });
  afterAll(() => mounted.close());
  // Every test leaves no descriptor of the file open: a leak is blamed on the test that made it.
  afterEach(async () => {
    last = null;
    await waitFor(() => openOnFile() === 0, 'every descriptor of the files to be closed', 10_000);
  });

  it('serves a 5 MB file byte-exact and closes it once', async () => {
    const got = await download(mounted.port, '/file');
    expect(got).toEqual({ status: 200, digest, length: SIZE });
    await waitFor(() => last!.closes() === 1, 'the file to be closed');
    expect(last!.closes()).toBe(1);
  });

  it('leaves no descriptor open after forty downloads, ten abandoned by the client', async () => {
    const runs = Array.from({ length: 40 }, (_, i) =>
      i % 4 === 0 ? abandon(mounted.port, 100_000 + i * 1000) : download(mounted.port, '/file').then((got) => {
        expect(got.digest).toBe(digest);
      }));
    await Promise.all(runs);
    await waitFor(() => openOnFile() === 0, 'every descriptor of the file to be closed', 10_000);
    expect(openOnFile()).toBe(0);
  });

  it('does not read the whole file for a client that stops reading, and closes it when the client leaves', async () => {
    const client = await RawClient.connect(mounted.port);
    client.socket.pause(); // read nothing: the socket buffers fill and the server must wait
    client.write('GET /big HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitFor(() => last !== null && last.bytesRead() > 0, 'the download to start');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const file = last!;
    const stalledAt = file.bytesRead();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(file.bytesRead()).toBe(stalledAt); // it waits for the client...
    expect(stalledAt).toBeLessThan(BIG / 4); // ...having read only what the socket buffers hold
    client.close();
    await waitFor(() => file.closes() === 1, 'the file to be closed after the client left');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(file.closes()).toBe(1);
  });

  it('closes the file once when the app fails before the head (no start_response)', async () => {
    const got = await download(mounted.port, '/no-start-response');
    expect(got.status).toBe(500);
    await waitFor(() => last!.closes() === 1, 'the file to be closed after the app error');
    expect(last!.closes()).toBe(1);
  });

  it('cuts the response and closes the file once when reading it fails after the head', async () => {
    const client = await RawClient.connect(mounted.port);
    client.write('GET /fails-midway HTTP/1.1\r\nHost: x\r\n\r\n');
    const received = await client.readToEnd();
    expect(received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(received.length).toBeLessThan(SIZE); // aborted, never a clean end
    await waitFor(() => last!.closes() === 1, 'the file to be closed after the read error');
    expect(last!.closes()).toBe(1);
    expect(mounted.log.join('')).toContain('the disk went away');
  });

  it('streams a Readable as well', async () => {
    const client = await RawClient.connect(mounted.port);
    client.write('GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expect(await client.readToEnd()).toMatch(/\r\n\r\n(f\r\n)?from a Readable(\r\n0\r\n\r\n)?$/);
  });

  it('refuses what is neither a FileHandle nor a Readable with a clear error', async () => {
    const got = await download(mounted.port, '/not-a-file');
    expect(got.status).toBe(500);
    expect(mounted.log.join('')).toContain('wsgi.file_wrapper takes an open FileHandle or a Readable, got string "five-megabytes.bin"');
  });
});

it('rejects a block size that is not a positive integer', async () => {
  let caught: unknown;
  const probe: WsgiApp = (environ) => {
    try {
      environ['wsgi.file_wrapper'](Readable.from([]), 0);
    } catch (err) {
      caught = err;
    }
    return [];
  };
  const mounted = await frontEnds[0]!.mount((environ, startResponse) => {
    startResponse('204 No Content', []);
    return probe(environ, startResponse);
  });
  try {
    await download(mounted.port, '/');
  } finally {
    await mounted.close();
  }
  expect(caught).toBeInstanceOf(WsgiError);
  expect((caught as WsgiError).message).toContain("block size must be a positive integer, got 0");
});

it('examples/file-wrapper.ts serves its own source, then stops on SIGTERM', { timeout: 10_000 }, async () => {
  const example = runExample('file-wrapper.js');
  const [, port] = await example.waitFor(/wsgi starting up on http:\/\/127\.0\.0\.1:(\d+)/);
  const got = await download(Number(port), '/');
  const source = readFileSync(fileURLToPath(new URL('../examples/dist/file-wrapper.js', import.meta.url)));
  expect(got).toEqual({ status: 200, digest: createHash('sha256').update(source).digest('hex'), length: source.length });
  expect(await example.stop()).toBe(0);
});
