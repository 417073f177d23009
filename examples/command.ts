// eventlet's hello_world served by the wsgi-bridge command, gunicorn-style:
//
//   npx wsgi-bridge -w 2 -b 127.0.0.1:8090 examples/dist/command.js
//
// The module exports the app (as `app`, the command's default name); the command forks
// the workers, and HUP reloads them with no request lost. Each answer names its worker.
import type { WsgiApp } from '@wsgi-bridge/core';

export const app: WsgiApp = (_environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`Hello, World! (worker ${process.pid})\r\n`];
};
