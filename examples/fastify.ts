// A WSGI app as a Fastify plugin, beside native routes, its responses passing through
// Fastify's hooks, logger and error handler:
//
//   await fastify.register(wsgiPlugin, { app: legacy, prefix: '/legacy' })
//
//   curl http://127.0.0.1:8090/                          -> a native Fastify route
//   curl -d '{"n":41}' -H 'Content-Type: application/json' http://127.0.0.1:8090/next
//                                                         -> a native route; Fastify parses its JSON
//   curl -i http://127.0.0.1:8090/legacy/some/path?q=1   -> the WSGI app: SCRIPT_NAME /legacy, PATH_INFO /some/path
//                                                           (both cookies, and the onSend hook's X-Status)
//   curl -T notes.txt http://127.0.0.1:8090/legacy/shout -> the body upper-cased, line by line as it arrives
//   curl http://127.0.0.1:8090/legacy/fail               -> the app's error, through Fastify's error handler
import Fastify from 'fastify';
import { clientErrorHandler, wsgiPlugin, type Environ, type WsgiApp } from '@wsgi-bridge/fastify';

/** The body back line by line, upper-cased, each line sent as soon as it has arrived. */
async function* shout(environ: Environ): AsyncGenerator<string> {
  for await (const line of environ['wsgi.input']) yield line.toString('latin1').toUpperCase();
}

export const legacy: WsgiApp = (environ, startResponse) => {
  switch (environ.PATH_INFO) {
    case '/fail':
      throw new Error('the legacy handler failed');
    case '/shout':
      environ['eventlet.minimum_write_chunk_size'] = 0; // each line out at once, not coalesced to 4 KiB
      startResponse('200 OK', [['Content-Type', 'text/plain; charset=latin-1']]);
      return shout(environ);
    default:
      startResponse('200 OK', [['Content-Type', 'text/plain'], ['Set-Cookie', 'seen=1'], ['Set-Cookie', 'legacy=1']]);
      return [`SCRIPT_NAME=${environ.SCRIPT_NAME} PATH_INFO=${environ.PATH_INFO} QUERY_STRING=${environ.QUERY_STRING}\n`];
  }
};

// clientErrorHandler: a request pipelined before bad bytes still gets its response.
const fastify = Fastify({ logger: true, clientErrorHandler });
// Hooks see the WSGI response like any other: here its status code.
fastify.addHook('onSend', async (_request, reply, payload) => {
  reply.header('x-status', String(reply.statusCode));
  return payload;
});
fastify.get('/', async () => 'Hello from Fastify\n');
// Registration order does not matter: the plugin's body handling stays inside its prefix.
fastify.post<{ Body: { n: number } }>('/next', async (request) => ({ n: request.body.n + 1 }));
// An app error raised before any byte was sent arrives here (set before registering, so
// that the plugin's context inherits it).
fastify.setErrorHandler<Error>(async (error, request, reply) => {
  reply.code(500).type('text/plain');
  return `${request.url} failed: ${error.message}\n`;
});
await fastify.register(wsgiPlugin, { app: legacy, prefix: '/legacy' });

await fastify.listen({ port: Number(process.env.PORT ?? 8090), host: '127.0.0.1' });
process.once('SIGTERM', () => void fastify.close());
process.once('SIGINT', () => void fastify.close());
