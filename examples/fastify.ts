// A WSGI app as a Fastify plugin, beside native routes, its responses passing through
// Fastify's hooks, logger and error handler:
//
//   await fastify.register(wsgiPlugin, { app: legacy, prefix: '/legacy' })
//
//   curl http://127.0.0.1:8090/                          -> a native Fastify route
//   curl -d '{"n":41}' -H 'Content-Type: application/json' http://127.0.0.1:8090/next
//                                                         -> a native route; Fastify parses its JSON
//   curl http://127.0.0.1:8090/legacy/some/path?q=1      -> the WSGI app: SCRIPT_NAME /legacy, PATH_INFO /some/path
//   curl -T big.file http://127.0.0.1:8090/legacy/echo   -> the body streamed back as it arrives
//   curl http://127.0.0.1:8090/legacy/fail               -> the app's error, through Fastify's error handler
import Fastify from 'fastify';
import { wsgiPlugin, type Environ, type WsgiApp } from '@wsgi-bridge/fastify';

async function* echo(environ: Environ): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = await environ['wsgi.input'].read(65536);
    if (chunk.length === 0) return;
    yield chunk;
  }
}

export const legacy: WsgiApp = (environ, startResponse) => {
  if (environ.PATH_INFO === '/fail') throw new Error('the legacy handler failed');
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  if (environ.PATH_INFO === '/echo') return echo(environ);
  return [`SCRIPT_NAME=${environ.SCRIPT_NAME} PATH_INFO=${environ.PATH_INFO} QUERY_STRING=${environ.QUERY_STRING}\n`];
};

const fastify = Fastify({ logger: true });
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
