// A Python WSGI app from examples/python/, unchanged, behind the standalone server:
//
//   node examples/dist/python.js hello:hello_world
//   node examples/dist/python.js posthooks:hello_world
//   node examples/dist/python.js hundred_continue:wsgi_app
//
// The interpreter is $WSGI_BRIDGE_PYTHON, else python3. HOST and PORT override the
// address; SIGTERM or Ctrl-C stops the server, then the Python worker.
import { fileURLToPath } from 'node:url';
import { pythonApp } from '@wsgi-bridge/python';
import { listen, server } from '@wsgi-bridge/server';

const app = pythonApp(process.argv[2] ?? 'hello:hello_world', {
  path: [fileURLToPath(new URL('../python/', import.meta.url))],
});
await app.ready;

const sock = listen([process.env.HOST ?? '', Number(process.env.PORT ?? 8090)]);
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
await server(sock, app);
await app.close();
