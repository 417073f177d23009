import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pythonApp, type PythonApp, type PythonAppOptions } from '@wsgi-bridge/python';

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
