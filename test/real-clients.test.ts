// Real clients against the server: curl (keep-alive reuse, HTTP/1.0, HEAD, chunked upload)
// and Node's fetch (chunked and Content-Length bodies, a streamed upload, 204/304).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { useServer } from './helpers/serve.js';
import { routes } from './helpers/http.js';

const run = promisify(execFile);

const apps: Record<string, WsgiApp> = {
  '/hello': (_e, sr) => (sr('200 OK', [['Content-Type', 'text/plain']]), ['Hello, World!\r\n']),
  '/stream': (_e, sr) => {
    sr('200 OK', [['Content-Type', 'text/plain']]);
    return (async function* () {
      for (let i = 0; i < 64; i++) yield `line ${i}\n`.repeat(512);
    })();
  },
  '/echo': async (e, sr) => {
    const body = await e['wsgi.input'].read();
    sr('200 OK', [['X-Framing', e.CONTENT_LENGTH === undefined ? 'chunked' : `length ${e.CONTENT_LENGTH}`]]);
    return [body];
  },
  '/no-content': (_e, sr) => (sr('204 No Content', []), ['ignored']),
  '/not-modified': (_e, sr) => (sr('304 Not Modified', [['ETag', '"x"']]), ['ignored']),
};

const STREAMED = Array.from({ length: 64 }, (_, i) => `line ${i}\n`.repeat(512)).join('');

/** curl with `args`; its stdout, and stderr for -v output. */
async function curl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run('curl', ['-sS', '--max-time', '10', ...args], { maxBuffer: 16 * 1024 * 1024 });
}

describe('real clients', () => {
  const srv = useServer(routes(apps));

  it('curl: two URLs on one kept-alive connection', async () => {
    const { stdout, stderr } = await curl('-v', `${srv.url}/hello`, `${srv.url}/stream`);
    expect(stdout).toBe(`Hello, World!\r\n${STREAMED}`);
    expect(stderr).toMatch(/Re-using existing connection/i);
  });

  it('curl -0 (HTTP/1.0): the streamed body ends with the connection', async () => {
    const { stdout, stderr } = await curl('-0', '-v', `${srv.url}/stream`);
    expect(stdout).toBe(STREAMED);
    expect(stderr).not.toMatch(/transfer-encoding/i);
    expect(stderr).toMatch(/< Connection: close/i);
  });

  it('curl -I (HEAD): the head only, with the length GET would have', async () => {
    const { stdout } = await curl('-I', `${srv.url}/hello`);
    expect(stdout).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(stdout).toMatch(/\r\nContent-Length: 15\r\n/);
  });

  it('curl: a chunked upload from stdin, echoed', async () => {
    const child = execFile('curl', ['-sS', '--max-time', '10', '-T', '-', `${srv.url}/echo`]);
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d));
    child.stdin!.end('piped through curl\n');
    await new Promise((resolve) => child.on('close', resolve));
    expect(out).toBe('piped through curl\n');
  });

  it('fetch: Content-Length and chunked bodies', async () => {
    const hello = await fetch(`${srv.url}/hello`);
    expect([hello.headers.get('content-length'), await hello.text()]).toEqual(['15', 'Hello, World!\r\n']);
    const streamed = await fetch(`${srv.url}/stream`);
    expect([streamed.headers.get('transfer-encoding'), await streamed.text()]).toEqual(['chunked', STREAMED]);
  });

  it('fetch: a streamed (chunked) upload and a plain one', async () => {
    const parts = ['one ', 'two ', 'three'];
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        const next = parts.shift();
        if (next === undefined) controller.close();
        else controller.enqueue(new TextEncoder().encode(next));
      },
    });
    const streamed = await fetch(`${srv.url}/echo`, { method: 'POST', body, duplex: 'half' } as RequestInit);
    expect([streamed.headers.get('x-framing'), await streamed.text()]).toEqual(['chunked', 'one two three']);
    const plain = await fetch(`${srv.url}/echo`, { method: 'POST', body: 'plain' });
    expect([plain.headers.get('x-framing'), await plain.text()]).toEqual(['length 5', 'plain']);
  });

  it('fetch: 204 and 304 arrive without a body, and the connection goes on', async () => {
    const noContent = await fetch(`${srv.url}/no-content`);
    expect([noContent.status, await noContent.text()]).toEqual([204, '']);
    const notModified = await fetch(`${srv.url}/not-modified`);
    expect([notModified.status, notModified.headers.get('etag'), await notModified.text()]).toEqual([304, '"x"', '']);
    expect(await (await fetch(`${srv.url}/hello`)).text()).toBe('Hello, World!\r\n');
  });
});
