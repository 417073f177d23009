/**
 * Soak: 200,000 requests on 127.0.0.1 against the standalone server, mostly on kept-alive
 * connections, mixing plain, uploaded, chunked, streamed, 100-continue and post-hook
 * requests with app errors, bad HTTP and clients that leave mid-download or mid-upload.
 * The server runs in a child process of its own so its figures are its own: resident
 * memory, heap and open handles after a warm-up and at the end (after a GC each time),
 * and whether every close() and post hook ran. Not part of `npm test`:
 *
 *   npx tsc -b && node bench/dist/soak.js [requests]
 */
import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { Body, Environ, StartResponse, WsgiApp } from '@wsgi-bridge/core';
import { listen, server } from '@wsgi-bridge/server';

const TOTAL = Number(process.argv[2] ?? 200_000);
const WARM_UP = Math.min(10_000, TOTAL / 10);
const CONNECTIONS = 32;
const SAMPLES = 8;

/** What the server process reports: its memory and handles after a GC, and its cleanup counts. */
interface Figures {
  rss: number;
  heapUsed: number;
  handles: number;
  /** Bodies whose close() has not run yet, and registered post hooks not run yet. */
  openBodies: number;
  pendingHooks: number;
  requests: number;
}

// ---- the server process ----------------------------------------------------------

let bodies = 0;
let closed = 0;
let hooksAdded = 0;
let hooksRun = 0;
let requests = 0;

const TEXT: Array<[string, string]> = [['Content-Type', 'text/plain']];
const BLOCK = Buffer.alloc(16 * 1024, 0x61);

/** A body whose close() and one post hook are counted. */
function counted(env: Environ, body: AsyncGenerator<Buffer | string> | Generator<string>): Body {
  bodies += 1;
  hooksAdded += 1;
  env['eventlet.posthooks'].push([() => void (hooksRun += 1)]);
  return Object.assign(body, { close: () => void (closed += 1) });
}

const soakApps: Record<string, WsgiApp> = {
  '/hello': (_env, sr) => (sr('200 OK', TEXT), ['Hello, World!\r\n']),
  '/echo': async (env, sr) => {
    const body = await env['wsgi.input'].read();
    sr('200 OK', TEXT);
    return [body];
  },
  '/stream': (env, sr) => {
    sr('200 OK', TEXT);
    return counted(env, (function* () {
      for (let i = 0; i < 8; i++) yield `part ${i}\n`;
    })());
  },
  '/error': () => {
    throw new Error('soak: an app error before the head');
  },
  '/error-after': (env, sr) => {
    env['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', TEXT);
    return counted(env, (async function* () {
      yield 'a first chunk';
      throw new Error('soak: an app error after the head');
    })());
  },
  '/download': (env, sr) => {
    env['eventlet.minimum_write_chunk_size'] = 0;
    sr('200 OK', TEXT);
    return counted(env, (async function* () {
      for (;;) yield BLOCK;
    })());
  },
  '/upload': (env, sr) => {
    sr('200 OK', TEXT);
    return counted(env, (async function* () {
      while ((await env['wsgi.input'].read(4096)).length > 0);
      yield 'all read';
    })());
  },
};

const soakApp: WsgiApp = (env: Environ, startResponse: StartResponse) => {
  requests += 1;
  const app = soakApps[env.PATH_INFO];
  if (app !== undefined) return app(env, startResponse);
  startResponse('404 Not Found', TEXT);
  return ['no such route'];
};

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

async function serveChild(): Promise<void> {
  const sock = listen(['127.0.0.1', 0]);
  void server(sock, soakApp, { logOutput: false, debug: false, socketTimeout: 5 });
  if (!sock.listening) await new Promise((resolve) => sock.once('listening', resolve));
  process.on('message', (message) => {
    if (message === 'stop') return void sock.close(() => process.exit(0));
    collectGarbage();
    const figures: Figures = {
      rss: process.memoryUsage.rss(),
      heapUsed: process.memoryUsage().heapUsed,
      handles: process.getActiveResourcesInfo().length,
      openBodies: bodies - closed,
      pendingHooks: hooksAdded - hooksRun,
      requests,
    };
    process.send!(figures);
  });
  process.send!((sock.address() as AddressInfo).port);
}

// ---- the client ----------------------------------------------------------------

const agent = new http.Agent({ keepAlive: true, maxSockets: CONNECTIONS });

/** One request through the keep-alive agent; resolves with the status, or 0 when the server cut it. */
function viaAgent(port: number, method: string, path: string, body?: Buffer, headers: http.OutgoingHttpHeaders = {}): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ agent, host: '127.0.0.1', port, method, path, headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
      res.on('error', () => resolve(0));
    });
    req.on('error', () => resolve(0));
    if (headers.expect !== undefined) {
      req.on('continue', () => req.end(body));
      return;
    }
    req.end(body);
  });
}

/**
 * A request on a connection of its own, sent raw. The client stays until the server
 * closes, leaves once the response head is in ('head'), or leaves this many ms after sending.
 */
function raw(port: number, bytes: string, leave: 'close' | 'head' | number): Promise<number> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes, 'latin1');
      if (typeof leave === 'number') setTimeout(() => socket.destroy(), leave);
    });
    let received = '';
    socket.on('data', (data) => {
      received += data.toString('latin1');
      if (leave === 'head' && received.includes('\r\n\r\n')) socket.destroy();
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Number(/^HTTP\/1\.[01] (\d{3})/.exec(received)?.[1] ?? 0)));
  });
}

const PAYLOAD = Buffer.alloc(2048, 0x62);

/** The mix: [weight, kind, request]. Weights are out of 100. */
const mix: Array<[number, string, (port: number) => Promise<number>]> = [
  [40, 'hello', (port) => viaAgent(port, 'GET', '/hello')],
  [14, 'upload', (port) => viaAgent(port, 'POST', '/echo', PAYLOAD)],
  [10, 'chunked upload', (port) => viaAgent(port, 'POST', '/echo', PAYLOAD, { 'transfer-encoding': 'chunked' })],
  [12, 'streamed, post hook', (port) => viaAgent(port, 'GET', '/stream')],
  [8, '100-continue', (port) => viaAgent(port, 'PUT', '/echo', PAYLOAD, { expect: '100-continue', 'content-length': PAYLOAD.length })],
  [4, 'app error', (port) => viaAgent(port, 'GET', '/error')],
  [3, 'error after head', (port) => viaAgent(port, 'GET', '/error-after')],
  [4, 'bad HTTP', (port) => raw(port, 'POST / HTTP/1.1\r\nHost: s\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 'close')],
  [3, 'leaves mid-download', (port) => raw(port, 'GET /download HTTP/1.1\r\nHost: s\r\n\r\n', 'head')],
  [2, 'leaves mid-upload', (port) => raw(port, 'POST /upload HTTP/1.1\r\nHost: s\r\nContent-Length: 1000000\r\n\r\nxyz', 5)],
];

const table = mix.flatMap(([weight, , send], index) => Array.from({ length: weight }, () => [index, send] as const));

/** Run `count` requests over the mix, CONNECTIONS at a time; counts per kind. */
async function load(port: number, count: number, tally: number[]): Promise<void> {
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (issued < count) {
      // 37 is prime to 100: the kinds interleave instead of coming in runs.
      const [kind, send] = table[(issued * 37) % table.length]!;
      issued += 1;
      await send(port);
      tally[kind]! += 1;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
}

function ask(child: ChildProcess): Promise<Figures> {
  return new Promise((resolve) => {
    child.once('message', (figures) => resolve(figures as Figures));
    child.send('figures');
  });
}

const mb = (bytes: number): string => `${(bytes / 1024 / 1024).toFixed(1)} MB`;

function line(label: string, figures: Figures): string {
  return `${label.padEnd(14)} requests ${String(figures.requests).padStart(7)}  rss ${mb(figures.rss).padStart(9)}  ` +
    `heap ${mb(figures.heapUsed).padStart(8)}  handles ${String(figures.handles).padStart(3)}  ` +
    `open bodies ${figures.openBodies}  pending hooks ${figures.pendingHooks}`;
}

async function main(): Promise<void> {
  const child = fork(new URL(import.meta.url).pathname, ['serve'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve) => child.once('message', (p) => resolve(p as number)));
  const tally = mix.map(() => 0);
  const idle = await ask(child);
  console.log(`soak: ${TOTAL} requests, ${CONNECTIONS} at a time, server pid ${child.pid} on 127.0.0.1:${port}`);
  console.log(line('idle', idle));
  await load(port, WARM_UP, tally);
  const before = await ask(child);
  console.log(line('after warm-up', before));
  const started = performance.now();
  const step = Math.ceil((TOTAL - WARM_UP) / SAMPLES);
  for (let done = WARM_UP; done < TOTAL; done += step) {
    await load(port, Math.min(step, TOTAL - done), tally);
    console.log(line(`${Math.min(done + step, TOTAL)}`, await ask(child)));
  }
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  await new Promise((resolve) => setTimeout(resolve, 500)); // the server sees the closes
  const after = await ask(child);
  console.log(line('end (idle)', after));
  console.log(mix.map(([, kind], i) => `${kind} ${tally[i]}`).join(', '));
  console.log(`${(TOTAL - WARM_UP).toLocaleString('en')} requests after the warm-up in ${seconds.toFixed(1)} s ` +
    `(${Math.round((TOTAL - WARM_UP) / seconds)} req/s); rss ${mb(before.rss)} -> ${mb(after.rss)}, ` +
    `heap ${mb(before.heapUsed)} -> ${mb(after.heapUsed)}, handles idle ${idle.handles} -> ${after.handles}`);
  child.send('stop');
  const leaked = after.handles > idle.handles || after.openBodies > 0 || after.pendingHooks > 0;
  process.exitCode = leaked ? 1 : 0;
}

if (process.argv[2] === 'serve') void serveChild();
else void main();
