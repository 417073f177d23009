import type { ListenAddress } from '@wsgi-bridge/server';
import { UsageError } from './errors.js';

/** One `--bind` address: as written, and as `listen()` takes it. */
export interface Bind {
  text: string;
  address: ListenAddress;
}

const DEFAULT_PORT = 8000;

/** gunicorn's bind syntax: `HOST:PORT`, `[::1]:PORT`, `HOST` (port 8000), `:PORT` (every interface), `unix:PATH`. */
export function parseBind(text: string): Bind {
  if (text.startsWith('unix:')) {
    const path = text.slice('unix:'.length);
    if (path === '') throw new UsageError(`--bind ${text}: no socket path after unix:`);
    return { text, address: path };
  }
  const v6 = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(text);
  const [host, port] = v6 !== null ? [v6[1]!, v6[2]] : splitHostPort(text);
  return { text, address: [host, portOf(text, port)] };
}

function splitHostPort(text: string): [string, string | undefined] {
  const colon = text.lastIndexOf(':');
  if (colon === -1) return [text, undefined];
  if (text.indexOf(':') !== colon) throw new UsageError(`--bind ${text}: write an IPv6 address in brackets, [::1]:8000`);
  return [text.slice(0, colon), text.slice(colon + 1)];
}

function portOf(text: string, port: string | undefined): number {
  if (port === undefined) return DEFAULT_PORT;
  const value = Number(port);
  if (port === '' || !Number.isInteger(value) || value < 0 || value > 65535) {
    throw new UsageError(`--bind ${text}: the port must be a number from 0 to 65535`);
  }
  return value;
}
