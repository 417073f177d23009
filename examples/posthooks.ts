// Post hooks, the example of eventlet's WSGI documentation, on Node:
//
//   def hook(env, arg1, arg2, kwarg3=None, kwarg4=None):
//       print('Hook called: %s %s %s %s %s' % (env, arg1, arg2, kwarg3, kwarg4))
//
//   def hello_world(env, start_response):
//       env['eventlet.posthooks'].append(
//           (hook, ('arg1', 'arg2'), {'kwarg3': 3, 'kwarg4': 4}))
//       start_response('200 OK', [('Content-Type', 'text/plain')])
//       return ['Hello, World!\r\n']
//
//   wsgi.server(eventlet.listen(('', 8090)), hello_world)
//
// A hook runs after the response is fully sent (or the client went away): keyword
// arguments come last, as one object. It prints the request line rather than the whole
// environ. HOST and PORT override the address.
import { listen, server, type Environ, type WsgiApp } from '@wsgi-bridge/server';

function hook(env: Environ, arg1: string, arg2: string, { kwarg3, kwarg4 }: { kwarg3?: number; kwarg4?: number }): void {
  console.log(`Hook called: ${env.REQUEST_METHOD} ${env.PATH_INFO} ${arg1} ${arg2} ${kwarg3} ${kwarg4}`);
}

const helloWorld: WsgiApp = (env, startResponse) => {
  env['eventlet.posthooks'].push([hook, ['arg1', 'arg2'], { kwarg3: 3, kwarg4: 4 }]);
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['Hello, World!\r\n'];
};

const sock = listen([process.env.HOST ?? '', Number(process.env.PORT ?? 8090)]);
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
await server(sock, helloWorld);
