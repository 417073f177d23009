/** A logger as eventlet takes one: any object with callable `info` and `debug`. */
export interface Logger {
  info(message: string): void;
  debug(message: string): void;
}

/** Something to write log lines to, such as a file stream or process.stderr. */
export interface LogStream {
  write(text: string): unknown;
}

/** The server's log: messages without trailing newlines; `raw` for wsgi.errors text. */
export interface ServerLog {
  info(message: string): void;
  debug(message: string): void;
  raw(text: string): void;
}

const noop = (): void => {};
const SILENT: ServerLog = { info: noop, debug: noop, raw: noop };

/** eventlet's rule: an object with info and debug is a logger; anything else is a file to write lines to. */
export function resolveLog(log: Logger | LogStream | undefined, logOutput: boolean, debug: boolean): ServerLog {
  if (!logOutput) return SILENT;
  if (log !== undefined && isLogger(log)) {
    return {
      info: (message) => log.info(message),
      debug: (message) => log.debug(message),
      raw: (text) => log.info(text.endsWith('\n') ? text.slice(0, -1) : text),
    };
  }
  const stream: LogStream = log ?? process.stderr;
  return {
    info: (message) => stream.write(`${message}\n`),
    debug: debug ? (message) => stream.write(`${message}\n`) : noop,
    raw: (text) => stream.write(text),
  };
}

function isLogger(log: Logger | LogStream): log is Logger {
  const candidate = log as Partial<Logger>;
  return typeof candidate.info === 'function' && typeof candidate.debug === 'function';
}
