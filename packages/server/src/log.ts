import type { AddressInfo, Socket } from 'node:net';

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

/** eventlet's socket_repr, naming the listening socket in the start-up line: `http://127.0.0.1:8090`, `http:/run/app.sock`. */
export function socketRepr(address: AddressInfo | string | null, scheme: 'http' | 'https'): string {
  if (address === null) return `${scheme}:(not listening)`;
  if (typeof address === 'string') return `${scheme}:${address}`;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return `${scheme}://${host}:${address.port}`;
}

/** Python's repr of an accepted peer address: `('127.0.0.1', 54321)`; `''` on a unix socket. */
export function peerRepr(socket: Socket): string {
  const address = socket.remoteAddress;
  if (address === undefined) return "''";
  // IPv6 addresses come back from accept() as 4-tuples
  return socket.remoteFamily === 'IPv6' ? `('${address}', ${socket.remotePort}, 0, 0)` : `('${address}', ${socket.remotePort})`;
}
