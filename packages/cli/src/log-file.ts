import { createWriteStream, type WriteStream } from 'node:fs';
import type { LogStream } from '@wsgi-bridge/server';

/**
 * The log a worker writes: standard error by default, standard output for `'-'`, or a
 * file appended to (each line a single write, so workers sharing it do not interleave
 * lines). {@link reopen} starts a new stream on the same path, for logrotate's USR1.
 */
export class LogFile implements LogStream {
  readonly #path: string | null;
  #stream: NodeJS.WritableStream;

  constructor(setting: string | null) {
    this.#path = setting === null || setting === '-' ? null : setting;
    this.#stream = setting === null ? process.stderr : setting === '-' ? process.stdout : this.#open();
  }

  write(text: string): boolean {
    return this.#stream.write(text);
  }

  /** Close the file and open its path again (a rotated file is left to the rotator). */
  reopen(): void {
    if (this.#path === null) return;
    const old = this.#stream as WriteStream;
    this.#stream = this.#open();
    old.end();
  }

  /** Flush and close the file. */
  close(): Promise<void> {
    if (this.#path === null) return Promise.resolve();
    const stream = this.#stream as WriteStream;
    return new Promise((resolve) => stream.end(resolve));
  }

  #open(): WriteStream {
    const stream = createWriteStream(this.#path!, { flags: 'a' });
    // A log that cannot be written must not take the worker down with it.
    stream.on('error', (err) => process.stderr.write(`wsgi-bridge: log file ${this.#path}: ${err.message}\n`));
    return stream;
  }
}
