import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { pythonApp } from '@wsgi-bridge/python';
import { listen, server } from '@wsgi-bridge/server';
import { PYTHON } from '../install.js';
import { portOf } from './listening.js';

/** bench/, where python_apps.py stays beside the sources (tsc does not copy it). */
export const BENCH_DIR = fileURLToPath(new URL('../../', import.meta.url));

/** Flask's hello world (and the /upload route) through @wsgi-bridge/python: the standalone server, one worker. */
export async function startBridge(): Promise<number> {
  const app = pythonApp('python_apps:bridge_app', { python: PYTHON, path: [BENCH_DIR], workers: 1, timeout: 0 });
  await app.ready;
  const sock = listen(['127.0.0.1', 0]);
  void server(sock, app, { logOutput: false });
  if (!sock.listening) await once(sock, 'listening');
  return portOf(sock);
}
