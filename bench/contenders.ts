import { fileURLToPath } from 'node:url';
import { PYTHON } from './install.js';

export type ContenderId =
  | 'node-http' | 'wsgi-server' | 'eventlet' | 'express-native' | 'express-wsgi' | 'fastify-native' | 'fastify-wsgi'
  | 'hono-native' | 'hono-wsgi' | 'cli-1' | 'cli-2';

export interface Contender {
  id: ContenderId;
  label: string;
  /** What it runs, for the report: the comparison is only as fair as this. */
  about: string;
  /** The command that starts its server process. */
  command: [string, string[]];
}

const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));
// The Python file stays beside the sources: tsc does not copy it into dist/.
const EVENTLET = fileURLToPath(new URL('../eventlet_hello.py', import.meta.url));

const node = (id: ContenderId, label: string, about: string): Contender =>
  ({ id, label, about, command: [process.execPath, [SERVE, id]] });

/** Everyone in the hello-world rounds; node-http and wsgi-server also stream. */
export const CONTENDERS: readonly Contender[] = [
  node('node-http', 'node:http, bare handler',
    "`res.writeHead(200, { 'Content-Type', 'Content-Length' }); res.end(body)`; upload: `for await (const chunk of req)`; " +
    "download: `res.write()` of 64 KiB chunks, awaiting 'drain' when it returns false"),
  node('wsgi-server', '@wsgi-bridge/server',
    "`server(listen(...), hello_world, { logOutput: false })`; upload: `await environ['wsgi.input'].read(65536)` until empty; " +
    'download: an async generator of 64 KiB chunks'),
  {
    id: 'eventlet', label: 'eventlet.wsgi (Python)', command: [PYTHON, [EVENTLET]],
    about: "eventlet's documented hello_world under `wsgi.server(sock, hello_world, log_output=False)`",
  },
  node('express-native', 'Express, native handler',
    "`app.get('/', (req, res) => res.type('text/plain').send(body))` (res.send also sets an ETag)"),
  node('express-wsgi', 'Express + wsgiMount', '`app.use(wsgiMount(hello_world))`'),
  node('fastify-native', 'Fastify, native route', "`fastify.get('/', async (request, reply) => { reply.type('text/plain'); return body; })`"),
  node('fastify-wsgi', 'Fastify + wsgiPlugin', '`fastify.register(wsgiPlugin, { app: hello_world })`'),
  node('hono-native', 'Hono, native route', "`hono.get('/', (c) => c.text(body))` on @hono/node-server"),
  node('hono-wsgi', 'Hono + toFetchHandler', "`hono.all('*', (c) => legacy(c.req.raw, c.env))`, `legacy = toFetchHandler(hello_world)`, on @hono/node-server"),
  node('cli-1', 'wsgi-bridge command, 1 worker',
    "`wsgi-bridge -w 1 --no-log-output wsgi-apps.js:benchApp`: node:cluster's primary deals connections to the worker; CPU counts every process"),
  node('cli-2', 'wsgi-bridge command, 2 workers', '`wsgi-bridge -w 2 --no-log-output wsgi-apps.js:benchApp`; CPU counts every process'),
];

/**
 * The two sides of each close ratio run back to back in every round, so the drift
 * between them is seconds, not the length of a round. (eventlet's 5x is not close.)
 */
export const GROUPS: readonly (readonly ContenderId[])[] = [
  ['node-http', 'wsgi-server'],
  ['eventlet'],
  ['fastify-native', 'fastify-wsgi'],
  ['express-native', 'express-wsgi'],
  ['hono-native', 'hono-wsgi'],
  ['cli-1', 'cli-2'],
];
