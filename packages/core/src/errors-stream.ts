import type { ErrorLog } from './types.js';

/** `environ['wsgi.errors']`: a text stream that forwards to the server's log. */
export class WsgiErrors {
  readonly #log: ErrorLog;
  constructor(log: ErrorLog) {
    this.#log = log;
  }
  /** Write text as it is (no newline is added, as with a Python file). */
  write(text: string): void {
    this.#log(String(text));
  }
  writelines(lines: Iterable<string>): void {
    for (const line of lines) this.#log(String(line));
  }
  /** Nothing is buffered here, so there is nothing to flush. */
  flush(): void {}
}

/** The default error log: standard error, as eventlet's `sys.stderr`. */
export const stderrLog: ErrorLog = (message) => {
  process.stderr.write(message);
};
