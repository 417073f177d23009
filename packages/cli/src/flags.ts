import type { CliOptions } from './options.js';

/**
 * How a flag's value is read from the command line and checked from a config file. Each
 * returns the value or throws a message naming what was expected.
 */
export interface Kind {
  /** The value's placeholder in the usage text; null for a flag without a value. */
  meta: string | null;
  fromText(text: string): unknown;
  check(value: unknown): unknown;
}

function kind(meta: string, read: (text: string) => unknown, check: (value: unknown) => unknown): Kind {
  return { meta, fromText: (text) => check(read(text)), check };
}

function expect(ok: boolean, what: string, value: unknown): void {
  if (!ok) throw new Error(`expected ${what}, got ${JSON.stringify(value) ?? String(value)}`);
}

const number = (text: string): unknown => (text.trim() === '' || Number.isNaN(Number(text)) ? text : Number(text));

/** Seconds, 0 allowed. */
const seconds = kind('SECONDS', number, (value) => {
  expect(typeof value === 'number' && value >= 0 && Number.isFinite(value), 'a number of seconds >= 0', value);
  return value;
});

/** A whole number >= min. */
const whole = (min: number, meta = 'INT'): Kind => kind(meta, number, (value) => {
  expect(typeof value === 'number' && Number.isInteger(value) && value >= min, `a whole number >= ${min}`, value);
  return value;
});

const text = (meta: string): Kind => kind(meta, (value) => value, (value) => {
  expect(typeof value === 'string' && value !== '', 'a non-empty string', value);
  return value;
});

/** Repeatable on the command line; a string or a list of strings in a config file. */
const texts = (meta: string): Kind => kind(meta, (value) => [value], (value) => {
  const list = typeof value === 'string' ? [value] : value;
  expect(Array.isArray(list) && list.length > 0 && list.every((item) => typeof item === 'string' && item !== ''), 'a string or a list of strings', value);
  return list;
});

const boolean: Kind = {
  meta: null,
  fromText: () => true,
  check(value) {
    expect(typeof value === 'boolean', 'true or false', value);
    return value;
  },
};

const workers = kind('INT|auto', (value) => (value === 'auto' ? value : number(value)), (value) => {
  expect(value === 'auto' || (typeof value === 'number' && Number.isInteger(value) && value >= 1), "a whole number >= 1 or 'auto'", value);
  return value;
});

const keepalive = kind('SECONDS', number, (value) => {
  expect(typeof value === 'boolean' || (typeof value === 'number' && value >= 0 && Number.isFinite(value)), 'true, false or a number of seconds >= 0', value);
  return value;
});

const httpVersion = kind('HTTP/1.x', (value) => value, (value) => {
  expect(value === 'HTTP/1.0' || value === 'HTTP/1.1', "'HTTP/1.0' or 'HTTP/1.1'", value);
  return value;
});

const commaList = kind('IPS', (value) => value, (value) => {
  expect(typeof value === 'string' || (Array.isArray(value) && value.every((item) => typeof item === 'string')), 'a comma-separated string or a list of strings', value);
  return value;
});

/** One command-line flag: `--long`, maybe `-s`, setting `key` of the options. */
export interface Flag {
  long: string;
  short?: string;
  key: keyof CliOptions;
  kind: Kind;
  help: string;
  /** A boolean whose default is true: the command line says `--no-<long>`. */
  negated?: boolean;
  /** gunicorn's name, when the server option's kebab-case name differs from it. */
  alias?: string;
}

/** gunicorn's flags where gunicorn has one, then every @wsgi-bridge/server option in kebab-case. */
export const FLAGS: readonly Flag[] = [
  { long: 'bind', short: 'b', key: 'bind', kind: texts('ADDRESS'), help: 'HOST:PORT, [::1]:PORT or unix:PATH; repeatable (default 127.0.0.1:8000)' },
  { long: 'workers', short: 'w', key: 'workers', kind: workers, help: "worker processes; 'auto' is one per CPU (default 1)" },
  { long: 'max-requests', key: 'maxRequests', kind: whole(0), help: 'recycle a worker after this many requests; 0 never (default 0)' },
  { long: 'max-requests-jitter', key: 'maxRequestsJitter', kind: whole(0), help: 'add 0..N at random to --max-requests per worker (default 0)' },
  { long: 'timeout', short: 't', key: 'timeout', kind: seconds, help: "kill and replace a worker whose event loop is silent this long; 0 never (default 30)" },
  { long: 'graceful-timeout', key: 'gracefulTimeout', kind: seconds, help: 'seconds a stopping worker may finish its requests before it is killed (default 30)' },
  { long: 'reload', key: 'reload', kind: boolean, help: "rolling reload when a file the app loaded changes" },
  { long: 'certfile', key: 'certfile', kind: text('FILE'), help: 'PEM certificate: serve HTTPS' },
  { long: 'keyfile', key: 'keyfile', kind: text('FILE'), help: 'PEM private key (default: the one in --certfile)' },
  { long: 'forwarded-allow-ips', key: 'forwardedAllowIps', kind: commaList, help: "proxies trusted with X-Forwarded-Proto/-For; '*' for all (default $FORWARDED_ALLOW_IPS or 127.0.0.1,::1)" },
  { long: 'access-logfile', key: 'accessLogfile', kind: text('FILE'), help: "where the log goes; '-' is standard output (default standard error)" },
  { long: 'pid', short: 'p', key: 'pid', kind: text('FILE'), help: "write the primary's process id to FILE" },
  { long: 'backlog', key: 'backlog', kind: whole(1), help: 'pending connections the kernel queues per address (default 2048)' },
  { long: 'python', key: 'python', kind: text('MODULE:CALLABLE'), help: 'serve a Python WSGI app through @wsgi-bridge/python' },
  { long: 'python-executable', key: 'pythonExecutable', kind: text('PATH'), help: "the Python interpreter (default $WSGI_BRIDGE_PYTHON, else 'python3')" },
  { long: 'pythonpath', key: 'pythonpath', kind: texts('DIR'), help: 'put DIR first on sys.path; repeatable (default the current directory)' },
  { long: 'python-workers', key: 'pythonWorkers', kind: whole(1), help: 'Python processes per worker, one request each at a time (default 1)' },
  { long: 'max-size', key: 'maxSize', kind: whole(1), help: 'connections served at once per worker (default 1024)' },
  { long: 'max-http-version', key: 'maxHttpVersion', kind: httpVersion, help: "'HTTP/1.0' turns off keep-alive and chunking (default HTTP/1.1)" },
  { long: 'minimum-chunk-size', key: 'minimumChunkSize', kind: whole(0, 'BYTES'), help: 'coalesce body chunks up to this size (default 4096)' },
  { long: 'log-x-forwarded-for', key: 'logXForwardedFor', kind: boolean, negated: true, help: 'leave X-Forwarded-For out of the access log' },
  { long: 'keepalive', alias: 'keep-alive', key: 'keepalive', kind: keepalive, help: 'close kept connections after this many idle seconds; 0: after each response (default: keep)' },
  { long: 'log-output', key: 'logOutput', kind: boolean, negated: true, help: 'log nothing at all' },
  { long: 'log-format', key: 'logFormat', kind: text('FORMAT'), help: "the access line as a Python %-format (eventlet's keys)" },
  { long: 'url-length-limit', key: 'urlLengthLimit', kind: whole(1, 'BYTES'), help: 'a longer request line gets 414 (default 8192)' },
  { long: 'debug', key: 'debug', kind: boolean, negated: true, help: 'no tracebacks in 500 bodies, no debug lines' },
  { long: 'socket-timeout', key: 'socketTimeout', kind: seconds, help: 'seconds a client socket operation may wait (default: no limit)' },
  { long: 'headers-timeout', key: 'headersTimeout', kind: seconds, help: 'seconds a client may take to send its headers (default 60)' },
  { long: 'capitalize-response-headers', key: 'capitalizeResponseHeaders', kind: boolean, negated: true, help: "keep the app's header names as written" },
];

/** The flags that are not options: they say what to do, not how to serve. */
export const COMMAND_FLAGS = {
  config: { long: 'config', short: 'c', meta: 'FILE', help: 'a JS module exporting these options in camelCase' },
  checkConfig: { long: 'check-config', help: 'load the config and the app, print the settings, exit 0' },
  help: { long: 'help', short: 'h', help: 'print this help and exit 0' },
  version: { long: 'version', help: 'print the version and exit 0' },
} as const;
