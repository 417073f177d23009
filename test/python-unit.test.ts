// The Python side's own unit tests (packages/python/py/test_wsgi_bridge.py), run by npm test.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const PY_DIR = fileURLToPath(new URL('../packages/python/py/', import.meta.url));

it('wsgi_bridge.py passes its unittest suite under /usr/bin/python3', () => {
  const run = spawnSync('/usr/bin/python3', ['-B', '-m', 'unittest', '-v', 'test_wsgi_bridge'], { cwd: PY_DIR, encoding: 'utf8' });
  // unittest reports on stderr: shown whole when it fails.
  expect(run.status, run.stderr).toBe(0);
  expect(run.stderr).toMatch(/\nOK\n?$/);
});
