import { fileURLToPath } from 'node:url';
import { PYTHON } from './install.js';

export type ContenderId =
  | 'node-http' | 'wsgi-server' | 'eventlet' | 'express-native' | 'express-wsgi' | 'fastify-native' | 'fastify-wsgi';

export interface Contender {
  id: ContenderId;
  label: string;
  /** The command that starts its server process. */
  command: [string, string[]];
}

const SERVE = fileURLToPath(new URL('./serve.js', import.meta.url));
// The Python file stays beside the sources: tsc does not copy it into dist/.
const EVENTLET = fileURLToPath(new URL('../eventlet_hello.py', import.meta.url));

const node = (id: ContenderId, label: string): Contender => ({ id, label, command: [process.execPath, [SERVE, id]] });

/** Everyone in the hello-world rounds; node-http and wsgi-server also stream. */
export const CONTENDERS: readonly Contender[] = [
  node('node-http', 'node:http, bare handler'),
  node('wsgi-server', '@wsgi-bridge/server'),
  { id: 'eventlet', label: 'eventlet.wsgi (Python)', command: [PYTHON, [EVENTLET]] },
  node('express-native', 'Express, native handler'),
  node('express-wsgi', 'Express + wsgiMount'),
  node('fastify-native', 'Fastify, native route'),
  node('fastify-wsgi', 'Fastify + wsgiPlugin'),
];

/**
 * Contenders compared with each other run back to back in every round, so the drift
 * between the two sides of a ratio is seconds, not the length of a round.
 */
export const GROUPS: readonly (readonly ContenderId[])[] = [
  ['node-http', 'wsgi-server', 'eventlet'],
  ['fastify-native', 'fastify-wsgi'],
  ['express-native', 'express-wsgi'],
];
