// Rolling reloads of the wsgi-bridge command under a keep-alive load: HUP, and --reload
// after an edit. No request may fail, and afterwards every worker is new.
import { copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids, FIXTURES, freePort, get, killLeftovers, load, startCommand } from './helpers/command.js';

afterEach(killLeftovers);

const SERVING = /primary: worker \d+ serving/;

describe('wsgi-bridge rolling reloads', () => {
  it('HUP during a 3 s keep-alive load loses no request, and afterwards every worker is new', async () => {
    const port = await freePort();
    const command = startCommand(['-w', '2', '-b', `127.0.0.1:${port}`, 'app.mjs']);
    await command.waitFor(SERVING, 15_000, 2);
    const before = childPids(command.pid);
    const running = load(port, 3000, 4);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    command.signal('SIGHUP');
    await command.waitFor(SERVING, 15_000, 4);
    await command.waitFor(/primary: worker \d+ stopped/, 15_000, 2);
    const report = await running;
    expect(report.errors).toEqual([]);
    expect(report.non2xx).toBe(0);
    expect(report.ok).toBeGreaterThan(100);
    const after = childPids(command.pid);
    expect(after).toHaveLength(2);
    for (const pid of after) expect(before).not.toContain(pid);
    // The load saw both generations: the old workers served until the new ones listened.
    expect([...report.pids].some((pid) => before.includes(pid))).toBe(true);
    expect([...report.pids].some((pid) => after.includes(pid))).toBe(true);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('--reload picks up an edited file under load with no failed request', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wsgi-bridge-reload-'));
    try {
      const file = join(dir, 'app.mjs');
      await copyFile(join(FIXTURES, 'app.mjs'), file);
      const port = await freePort();
      const command = startCommand(['-w', '2', '--reload', '-b', `127.0.0.1:${port}`, file]);
      await command.waitFor(SERVING, 15_000, 2);
      const before = childPids(command.pid);
      const running = load(port, 2500, 4);
      await new Promise((resolve) => setTimeout(resolve, 500));
      await writeFile(file, `export const app = (environ, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['edited, pid ' + process.pid];
};
`);
      await command.waitFor(/reloading \(.*app\.mjs changed\)/);
      await command.waitFor(SERVING, 15_000, 4);
      const report = await running;
      expect(report.errors).toEqual([]);
      expect(report.non2xx).toBe(0);
      const answer = await get({ host: '127.0.0.1', port, agent: false });
      expect(answer.body).toMatch(/^edited, pid \d+$/);
      await command.waitFor(/primary: worker \d+ stopped/, 15_000, 2);
      for (const pid of childPids(command.pid)) expect(before).not.toContain(pid);
      command.signal('SIGTERM');
      expect(await command.exited).toBe(0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
