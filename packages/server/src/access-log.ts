import type { IncomingMessage } from 'node:http';
import type { RequestOutcome } from '@wsgi-bridge/core';
import { compileLogFormat, type LogValues } from './percent-format.js';

/** eventlet's DEFAULT_LOG_FORMAT. */
export const DEFAULT_LOG_FORMAT =
  '%(client_ip)s - - [%(date_time)s] "%(request_line)s" %(status_code)s %(body_length)s %(wall_seconds).6f';

/** The keys a log format may use, as eventlet fills them. */
const KEYS = ['client_ip', 'client_port', 'date_time', 'request_line', 'status_code', 'body_length', 'wall_seconds'];

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const pad2 = (n: number): string => (n < 10 ? '0' : '') + n;

/** eventlet's access-log date: local time as `21/Nov/2026 22:56:38`. */
export function logDateTime(date = new Date()): string {
  return `${pad2(date.getDate())}/${MONTHS[date.getMonth()]}/${String(date.getFullYear()).padStart(4, '0')} ` +
    `${pad2(date.getHours())}:${pad2(date.getMinutes())}:${pad2(date.getSeconds())}`;
}

let loggedSecond = -1;
let loggedDateTime = '';

/** logDateTime() for now, formatted once a second: a busy server logs many lines in each. */
function nowDateTime(): string {
  const now = Date.now();
  const second = Math.floor(now / 1000);
  if (second !== loggedSecond) {
    loggedSecond = second;
    loggedDateTime = logDateTime(new Date(now));
  }
  return loggedDateTime;
}

/** Formats one access line for a request that reached the app. */
export type AccessLine = (req: IncomingMessage, outcome: RequestOutcome, seconds: number) => string;

/** Compile `format` (checked now) into eventlet's access line; `forwarded` is log_x_forwarded_for. */
export function accessLine(format: string, forwarded: boolean): AccessLine {
  const render = compileLogFormat(format, KEYS);
  return (req, outcome, seconds) => {
    const socket = req.socket;
    // A unix socket has no peer address: eventlet logs 'unix' and an empty port.
    const ip = socket.remoteAddress ?? 'unix';
    const xff = forwarded ? firstHeader(req.rawHeaders, 'x-forwarded-for')?.replaceAll(' ', '') : undefined;
    const values: LogValues = {
      client_ip: xff ? `${xff},${ip}` : ip,
      client_port: socket.remotePort ?? '',
      date_time: nowDateTime(),
      request_line: `${req.method} ${req.url} HTTP/${req.httpVersion}`,
      status_code: outcome.statusCode,
      body_length: outcome.bytesWritten,
      wall_seconds: seconds,
    };
    return render(values);
  };
}

// eventlet reads the header with `headers.get()`, which gives the first of repeated ones;
// Node's req.headers would join them.
function firstHeader(raw: string[], lowerName: string): string | undefined {
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i]!.length === lowerName.length && raw[i]!.toLowerCase() === lowerName) return raw[i + 1];
  }
  return undefined;
}
