/**
 * A contender's process: `node serve.js <contender>` starts one server, prints its
 * port on a line of its own, and serves until SIGTERM. Each contender runs in a process
 * of its own so none shares an event loop, a heap or a JIT with another.
 */
import { messageOf } from './errors.js';
import { EXIT_UNAVAILABLE, Unavailable } from './servers/optional.js';

type Start = () => Promise<number>;

// Loaded lazily so a contender's process holds only its own framework.
const starters: Record<string, () => Promise<Start>> = {
  'node-http': async () => (await import('./servers/node-http.js')).start,
  'wsgi-server': async () => (await import('./servers/wsgi-server.js')).start,
  'express-native': async () => (await import('./servers/express.js')).startNative,
  'express-wsgi': async () => (await import('./servers/express.js')).startWsgi,
  'fastify-native': async () => (await import('./servers/fastify.js')).startNative,
  'fastify-wsgi': async () => (await import('./servers/fastify.js')).startWsgi,
  'hono-native': async () => (await import('./servers/hono.js')).startNative,
  'hono-wsgi': async () => (await import('./servers/hono.js')).startWsgi,
  'cli-1': async () => { const { startCommand } = await import('./servers/command.js'); return () => startCommand(1); },
  'cli-2': async () => { const { startCommand } = await import('./servers/command.js'); return () => startCommand(2); },
  'python-bridge': async () => (await import('./servers/python-bridge.js')).startBridge,
  'express-proxy': async () => (await import('./servers/express-proxy.js')).startProxy,
};

async function main(name: string | undefined): Promise<void> {
  const load = name === undefined ? undefined : starters[name];
  if (load === undefined) throw new Error(`usage: serve.js <${Object.keys(starters).join('|')}>`);
  // process.exit rather than a kill, so that --cpu-prof gets to write its profile.
  process.once('SIGTERM', () => process.exit(0));
  const port = await (await load())();
  process.stdout.write(`${port}\n`);
}

main(process.argv[2]).catch((err: unknown) => {
  process.stderr.write(`${messageOf(err)}\n`);
  process.exit(err instanceof Unavailable ? EXIT_UNAVAILABLE : 1);
});
