// A standalone server in its own process, so a test can watch the server's memory and
// nothing else's. Plain JavaScript: it runs under node directly (fork), not under vitest.
// It sends { port } over IPC once listening and samples its own RSS every 10 ms.
//
//   /upload          reads wsgi.input in 64 KiB reads; answers the byte count
//   /download?N      N bytes (Content-Length), one reused 64 KiB buffer at a time
//   /stream?N        N bytes, chunked, from an async generator
//   /stats           { rss, peak, yielded } as JSON; peak is reset after each call
import { listen, server } from '@wsgi-bridge/server';

const CHUNK = Buffer.alloc(64 * 1024, 0x61);
let peak = 0;
let yielded = 0;
const sample = () => {
  const { rss } = process.memoryUsage();
  if (rss > peak) peak = rss;
  return rss;
};
setInterval(sample, 10).unref();

function* bytes(total) {
  for (let left = total; left > 0; left -= CHUNK.length) {
    const piece = left >= CHUNK.length ? CHUNK : CHUNK.subarray(0, left);
    yielded += piece.length;
    yield piece;
  }
}

const routes = {
  '/upload': async (environ, startResponse) => {
    const input = environ['wsgi.input'];
    let total = 0;
    for (let piece = await input.read(65536); piece.length > 0; piece = await input.read(65536)) total += piece.length;
    startResponse('200 OK', [['Content-Type', 'text/plain']]);
    return [String(total)];
  },
  '/download': (environ, startResponse) => {
    const total = Number(environ.QUERY_STRING);
    startResponse('200 OK', [['Content-Length', String(total)]]);
    return bytes(total);
  },
  '/stream': (environ, startResponse) => {
    const total = Number(environ.QUERY_STRING);
    startResponse('200 OK', []);
    return (async function* () {
      yield* bytes(total);
    })();
  },
  '/stats': (_environ, startResponse) => {
    const rss = sample();
    const body = JSON.stringify({ rss, peak, yielded });
    peak = rss;
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [body];
  },
};

const sock = listen(['127.0.0.1', 0]);
server(sock, (environ, startResponse) => routes[environ.PATH_INFO](environ, startResponse), { logOutput: false });
sock.once('listening', () => process.send({ port: sock.address().port }));
process.on('disconnect', () => process.exit(0));
