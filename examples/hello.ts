// The program of eventlet's WSGI documentation, on Node:
//
//   def hello_world(env, start_response):
//       start_response('200 OK', [('Content-Type', 'text/plain')])
//       return ['Hello, World!\r\n']
//
//   wsgi.server(eventlet.listen(('', 8090)), hello_world)
//
// HOST and PORT override the address; SIGTERM or Ctrl-C stops it gracefully.
import { listen, server, type WsgiApp } from '@wsgi-bridge/server';

export const helloWorld: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['Hello, World!\r\n'];
};

const sock = listen([process.env.HOST ?? '', Number(process.env.PORT ?? 8090)]);
// Closing the socket is the graceful stop: requests in flight finish, then server() resolves.
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
await server(sock, helloWorld);
