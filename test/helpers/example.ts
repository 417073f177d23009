import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'examples', 'dist');

/** A built example running in its own process on a loopback port the OS picked. */
export interface RunningExample {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Wait until `pattern` matches what the example wrote to `stream`; resolves to the match. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<RegExpExecArray>;
  /** Send SIGTERM and resolve to the exit code. */
  stop(): Promise<number | null>;
}

/** Run `examples/dist/<name>` (with `args`) with HOST 127.0.0.1 and PORT 0. */
export function runExample(name: string, args: string[] = []): RunningExample {
  const child = spawn(process.execPath, [join(examples, name), ...args], {
    env: { ...process.env, HOST: '127.0.0.1', PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const running: RunningExample = {
    child,
    stdout: '',
    stderr: '',
    waitFor(pattern, stream = 'stderr') {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(running[stream]);
          if (match === null) return;
          child[stream]!.off('data', check);
          resolve(match);
        };
        child[stream]!.on('data', check);
        void exited.then(() => reject(new Error(`${name} exited before printing ${pattern}: ${running.stderr}`)));
        check();
      });
    },
    stop() {
      child.kill('SIGTERM');
      return exited;
    },
  };
  child.stdout!.on('data', (data: Buffer) => (running.stdout += data.toString()));
  child.stderr!.on('data', (data: Buffer) => (running.stderr += data.toString()));
  return running;
}
