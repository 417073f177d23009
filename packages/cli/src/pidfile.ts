import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** gunicorn's `--pid FILE`: the primary's process id, written at start and removed at exit if still ours. */
export class PidFile {
  readonly #path: string;

  constructor(path: string) {
    this.#path = path;
    writeFileSync(path, `${process.pid}\n`);
  }

  remove(): void {
    try {
      if (readFileSync(this.#path, 'utf8').trim() === String(process.pid)) rmSync(this.#path);
    } catch {
      // Already gone: nothing to clean up.
    }
  }
}
