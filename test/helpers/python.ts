import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { pythonApp, type PythonApp, type PythonAppOptions } from '@wsgi-bridge/python';
import type { FrontEnd, Mounted } from './front-ends.js';

/** Debian's Python, the one that sees python3-flask and python3-bottle. */
export const PYTHON = '/usr/bin/python3';

/** The test apps' directory (test/python). */
export const TEST_PY = fileURLToPath(new URL('../python/', import.meta.url));

/** A Python app from test/python, its workers' stderr and the pool's reports in `log`. */
export function testPythonApp(target: string, options: PythonAppOptions = {}): PythonApp & { log: string[] } {
  const log: string[] = [];
  const app = pythonApp(target, { python: PYTHON, path: [TEST_PY], errors: (text) => log.push(text), ...options });
  return Object.assign(app, { log });
}

/** Whether PYTHON can import `module`. */
export function hasPythonModule(module: string): boolean {
  return spawnSync(PYTHON, ['-c', `import ${module}`], { stdio: 'ignore' }).status === 0;
}

/**
 * A Python app from test/python served by `frontEnd` for the enclosing describe block:
 * started in beforeAll once its workers are ready, closed in afterAll with the workers.
 * `server` is filled in when beforeAll runs, so read its fields inside tests only.
 */
export function usePythonApp(
  frontEnd: FrontEnd,
  target: string,
  options: PythonAppOptions = {},
): { app: PythonApp & { log: string[] }; server: Mounted } {
  const app = testPythonApp(target, options);
  const server = {} as Mounted;
  beforeAll(async () => {
    await app.ready;
    Object.assign(server, await frontEnd.mount(app));
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });
  return { app, server };
}
