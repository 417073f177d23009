// Backpressure both ways, measured: a 1 GiB upload and a 1 GiB download stream through a
// server in its own process while its RSS stays flat, and a client that stops reading
// makes the app stop producing instead of the server buffering the response.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from './helpers/http.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
/** How much the server's RSS may grow while streaming a GiB: far less than what it moves. */
const FLAT = 100 * MiB;

interface Stats {
  rss: number;
  peak: number;
  yielded: number;
}

let child: ChildProcess;
let base: string;

beforeAll(async () => {
  child = fork(new URL('./helpers/rss-server.mjs', import.meta.url), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const { port } = await new Promise<{ port: number }>((resolve, reject) => {
    child.once('message', (message) => resolve(message as { port: number }));
    child.once('exit', (code) => reject(new Error(`the server process exited early (${code})`)));
  });
  base = `http://127.0.0.1:${port}`;
  // Warm up: compile the hot paths and let the heap settle at its working size (in
  // trials it levels off near +40-60 MiB after the first few hundred MiB, then stays
  // there for 4 GiB), so what is measured below is growth with the body's size.
  await upload(128 * MiB, 'chunked');
  await sh(`curl -sS --fail -o /dev/null '${base}/download?${128 * MiB}'`);
}, 30_000);

afterAll(() => {
  child.disconnect();
});

async function stats(): Promise<Stats> {
  return (await (await fetch(`${base}/stats`)).json()) as Stats;
}

/** Run a shell pipeline (curl on one side) and return its standard output. */
function sh(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const proc = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (d: Buffer) => (out += d));
    proc.stderr.on('data', (d: Buffer) => (err += d));
    proc.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} failed (${code}): ${err}`))));
  });
}

/** Stream `size` zero bytes to /upload with curl, chunked or with a Content-Length; the count the app read. */
async function upload(size: number, framing: 'chunked' | 'length'): Promise<number> {
  const headers = framing === 'length' ? `-H 'Content-Length: ${size}' -H 'Transfer-Encoding:'` : '';
  return Number(await sh(`head -c ${size} /dev/zero | curl -sS --fail ${headers} -T - ${base}/upload`));
}

const report = (what: string, before: Stats, after: Stats, seconds: number): void => {
  console.log(`${what}: server RSS ${(before.rss / MiB).toFixed(1)} MiB before, peak ${(after.peak / MiB).toFixed(1)} MiB ` +
    `(+${((after.peak - before.rss) / MiB).toFixed(1)} MiB), ${seconds.toFixed(1)} s`);
};

describe('streaming 1 GiB with flat server memory', () => {
  // curl -T - streams stdin as a PUT with Expect: 100-continue, so the lazy 100 is on the path too
  it.each(['chunked', 'length'] as const)('a 1 GiB upload (%s) is read through in 64 KiB reads', async (framing) => {
    const before = await stats();
    const started = performance.now();
    const count = await upload(GiB, framing);
    const after = await stats();
    report(`1 GiB upload (${framing})`, before, after, (performance.now() - started) / 1000);
    expect(count).toBe(GiB);
    expect(after.peak - before.rss).toBeLessThan(FLAT);
  }, 60_000);

  it('a 1 GiB download (curl) is produced as it is sent', async () => {
    const before = await stats();
    const started = performance.now();
    const out = await sh(`curl -sS --fail -o /dev/null -w '%{http_code} %{size_download}' '${base}/download?${GiB}'`);
    const after = await stats();
    report('1 GiB download', before, after, (performance.now() - started) / 1000);
    expect(out).toBe(`200 ${GiB}`);
    expect(after.peak - before.rss).toBeLessThan(FLAT);
  }, 60_000);

  it('a client that stops reading holds the app back instead of filling the server\'s memory', async () => {
    const size = 512 * MiB;
    const before = await stats();
    // A bare socket, not RawClient, which would keep every byte: this one only counts them.
    const client = net.connect(Number(new URL(base).port), '127.0.0.1');
    await new Promise((resolve) => client.once('connect', resolve));
    client.pause(); // read nothing: only the socket buffers on both sides may fill
    client.write(request('GET', `/stream?${size}`));
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const stalled = await stats();
    const produced = stalled.yielded - before.yielded;
    console.log(`slow reader: the app produced ${(produced / MiB).toFixed(1)} MiB of ${size / MiB} MiB while the client read nothing; ` +
      `server RSS +${((stalled.peak - before.rss) / MiB).toFixed(1)} MiB`);
    expect(produced).toBeGreaterThan(0);
    expect(produced).toBeLessThan(32 * MiB);
    expect(stalled.peak - before.rss).toBeLessThan(64 * MiB);

    // reading again lets the rest flow, to the terminator
    let received = 0;
    let tail = '';
    client.on('data', (d: Buffer) => {
      received += d.length;
      tail = (tail + d.subarray(-16).toString('latin1')).slice(-16);
    });
    client.resume();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stuck after ${received} bytes`)), 30_000);
      const check = (): void => {
        if (!tail.endsWith('\r\n0\r\n\r\n')) return;
        clearTimeout(timer);
        resolve();
      };
      client.on('data', check);
    });
    client.destroy();
    expect(received).toBeGreaterThan(size - produced);
    expect((await stats()).yielded - before.yielded).toBe(size);
  }, 60_000);
});
