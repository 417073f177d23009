// PEP 3333's wsgi.file_wrapper: serve a file block by block, closed on every path.
//
//   def app(environ, start_response):
//       f = open(__file__, 'rb')
//       start_response('200 OK', [('Content-Type', 'text/plain')])
//       return environ['wsgi.file_wrapper'](f, 65536)
//
// This program serves its own source. HOST and PORT override the address.
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { listen, server, type WsgiApp } from '@wsgi-bridge/server';

const self = fileURLToPath(import.meta.url);

const app: WsgiApp = async (environ, startResponse) => {
  const file = await open(self);
  const { size } = await file.stat();
  startResponse('200 OK', [['Content-Type', 'text/plain; charset=utf-8'], ['Content-Length', String(size)]]);
  return environ['wsgi.file_wrapper'](file, 65536);
};

const sock = listen([process.env.HOST ?? '', Number(process.env.PORT ?? 8090)]);
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
await server(sock, app);
