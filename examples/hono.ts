// A WSGI app inside a Hono app, beside native routes, on @hono/node-server; the same
// handler runs on any runtime that takes a fetch handler (Bun.serve, Deno.serve, Workers):
//
//   const legacy = toFetchHandler(app, { scriptName: '/legacy' })
//   hono.all('/legacy/*', (c) => legacy(c.req.raw, c.env))
//
// c.env is @hono/node-server's { incoming, outgoing }: with it, REMOTE_ADDR is the socket's
// address and the headers come as Node read them (without it, `legacy(c.req.raw)`, the
// same app runs on any runtime, with no REMOTE_ADDR).
//
//   curl http://127.0.0.1:8090/                          -> a native Hono route
//   curl -i http://127.0.0.1:8090/legacy/some/path?q=1   -> the WSGI app: SCRIPT_NAME /legacy, PATH_INFO /some/path, REMOTE_ADDR
//   curl -T notes.txt http://127.0.0.1:8090/legacy/shout -> the body upper-cased, line by line as it arrives
//   curl http://127.0.0.1:8090/legacy/fail               -> the app's error: a 500
//
// In a test, no server at all: `await legacy(new Request('http://localhost/legacy/hello'))`.
// HOST and PORT override the address; SIGTERM or Ctrl-C stops it.
import { serve, type HttpBindings } from '@hono/node-server';
import { Hono } from 'hono';
import { toFetchHandler, type Environ, type WsgiApp } from '@wsgi-bridge/fetch';

/** The body back line by line, upper-cased, each line sent as soon as it has arrived. */
async function* shout(environ: Environ): AsyncGenerator<string> {
  for await (const line of environ['wsgi.input']) yield line.toString('latin1').toUpperCase();
}

export const app: WsgiApp = (environ, startResponse) => {
  switch (environ.PATH_INFO) {
    case '/fail':
      throw new Error('the legacy handler failed');
    case '/shout':
      environ['eventlet.minimum_write_chunk_size'] = 0; // each line out at once, not coalesced to 4 KiB
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=latin-1']]);
      return shout(environ);
    default:
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [`SCRIPT_NAME=${environ.SCRIPT_NAME} PATH_INFO=${environ.PATH_INFO} QUERY_STRING=${environ.QUERY_STRING} ` +
        `REMOTE_ADDR=${environ.REMOTE_ADDR}\n`];
  }
};

const legacy = toFetchHandler(app, { scriptName: '/legacy' });
const hono = new Hono<{ Bindings: HttpBindings }>();
hono.get('/', (c) => c.text('Hello from Hono\n'));
hono.all('/legacy/*', (c) => legacy(c.req.raw, c.env));

const server = serve({ fetch: hono.fetch, hostname: process.env.HOST ?? '127.0.0.1', port: Number(process.env.PORT ?? 8090) }, (info) => {
  console.error(`Hono with a WSGI app on http://${info.address}:${info.port}/`);
});
process.once('SIGTERM', () => server.close());
process.once('SIGINT', () => server.close());
