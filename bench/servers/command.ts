import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { listening } from './listening.js';

// The command as users run it, serving the same app module as the standalone contender.
const BIN = fileURLToPath(new URL('../../../packages/cli/dist/bin.js', import.meta.url));
const APP = fileURLToPath(new URL('./wsgi-apps.js', import.meta.url));
const SERVING = /primary: worker \d+ serving/g;

/**
 * The `wsgi-bridge` command with `workers` workers serving the bench app, started from
 * this contender process and stopped (TERM) when it exits. Its primary and workers are
 * this process's descendants: the bench counts the CPU of every one of them.
 */
export async function startCommand(workers: number): Promise<number> {
  const probe = createServer();
  const port = await listening(probe);
  await new Promise((resolve) => probe.close(resolve));
  const child = spawn(process.execPath, [BIN, '-w', String(workers), '-b', `127.0.0.1:${port}`, '--no-log-output', `${APP}:benchApp`], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  process.once('exit', () => child.kill('SIGTERM'));
  let said = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.setEncoding('utf8').on('data', (text: string) => {
      said += text;
      if ((said.match(SERVING)?.length ?? 0) >= workers) resolve();
    });
    child.once('exit', (code) => reject(new Error(`wsgi-bridge exited with ${code}: ${said.trim().split('\n').at(-1) ?? ''}`)));
  });
  return port;
}
