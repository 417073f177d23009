import type { ServerOptions } from '@wsgi-bridge/server';

/**
 * The command's options in camelCase: what a config file (`-c FILE`) exports, as a default
 * export or as named exports. Every @wsgi-bridge/server option is one of them; `log` and
 * `environ` can only be given here, not on the command line.
 */
export interface CliOptions extends ServerOptions {
  /** `HOST:PORT`, `[::1]:PORT` or `unix:PATH`, one or several. Default `127.0.0.1:8000`. */
  bind?: string | string[];
  /** Worker processes; `'auto'` is one per CPU. Default 1. */
  workers?: number | 'auto';
  /** Recycle a worker gracefully after this many requests; 0 (default) never. */
  maxRequests?: number;
  /** Add a random 0..N to maxRequests for each worker, so they do not recycle together. */
  maxRequestsJitter?: number;
  /** Seconds a worker's event loop may leave the heartbeat unanswered before it is killed. Default 30; 0 never. */
  timeout?: number;
  /** Seconds a stopping worker may take to finish its requests before it is killed. Default 30. */
  gracefulTimeout?: number;
  /** Rolling reload when a file the app loaded changes. */
  reload?: boolean;
  /** PEM certificate (chain): serve HTTPS on every address. */
  certfile?: string;
  /** PEM private key; default the key in certfile. */
  keyfile?: string;
  /** Where the log goes: a file (appended to, reopened on USR1) or `'-'` for standard output. Default standard error. */
  accessLogfile?: string;
  /** A file to write the primary's process id to; removed at exit. */
  pid?: string;
  /** The kernel's queue of pending connections per address. Default 2048, as gunicorn. */
  backlog?: number;
  /** `MODULE:CALLABLE` of a Python WSGI app, served through @wsgi-bridge/python, instead of a JS module. */
  python?: string;
  /** The Python interpreter. Default `$WSGI_BRIDGE_PYTHON`, else `python3`. */
  pythonExecutable?: string;
  /** Folders put first on sys.path. Default the current directory. */
  pythonpath?: string | string[];
  /** Python processes in each worker, each serving one request at a time. Default 1. */
  pythonWorkers?: number;
}

/** The defaults that are the command's own (gunicorn's); the server's own defaults apply to the rest. */
export const DEFAULTS = {
  bind: '127.0.0.1:8000',
  workers: 1,
  maxRequests: 0,
  maxRequestsJitter: 0,
  timeout: 30,
  gracefulTimeout: 30,
  backlog: 2048,
  pythonWorkers: 1,
  /** gunicorn's (since 22.0): the loopback proxies, both families. */
  forwardedAllowIps: '127.0.0.1,::1',
} as const;
