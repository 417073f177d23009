import { resolve } from 'node:path';
import type { ErrorLog, WsgiApp } from '@wsgi-bridge/core';
import { stderrLog } from '@wsgi-bridge/core/adapter';
import { WorkerPool } from './pool.js';

/** Options of {@link pythonApp}. */
export interface PythonAppOptions {
  /** The interpreter. Default `$WSGI_BRIDGE_PYTHON`, else `python3`. */
  python?: string;
  /** Directories put first on `sys.path`, resolved against the current directory. Default `[process.cwd()]`. */
  path?: string[];
  /** Python processes, each serving one request at a time (gunicorn's sync worker). Default 1. */
  workers?: number;
  /** Seconds a request may hold a worker before it is killed and replaced; 0 never. Default 30. */
  timeout?: number;
  /** Replace a worker after this many requests; 0 never. Default 0. */
  maxRequests?: number;
  /** String keys added to every Python environ (the request's own keys win). */
  environ?: Record<string, string>;
  /** Where the workers' standard error and the pool's reports go. Default: standard error. */
  errors?: ErrorLog;
}

/** A WSGI app served by Python workers, with their start and their stop. */
export interface PythonApp extends WsgiApp {
  /** Every worker imported the app; rejects with the Python traceback, naming the target. */
  readonly ready: Promise<void>;
  /** Let the requests in flight finish, then stop the workers. */
  close(): Promise<void>;
}

const TARGET = /^[A-Za-z_][\w.]*(?::[A-Za-z_][\w.]*)?$/;

/**
 * Serve the Python WSGI app `target` (`MODULE:CALLABLE`, as gunicorn takes it; CALLABLE
 * defaults to `application`) through a pool of Python processes, as a `WsgiApp` for any
 * front end. The workers start at once, in parallel.
 */
export function pythonApp(target: string, options: PythonAppOptions = {}): PythonApp {
  if (typeof target !== 'string' || !TARGET.test(target)) {
    throw new TypeError(`pythonApp takes "MODULE:CALLABLE" (such as "legacy.wsgi:application"), got ${JSON.stringify(target)}`);
  }
  const pool = new WorkerPool({
    python: options.python ?? process.env.WSGI_BRIDGE_PYTHON ?? 'python3',
    target,
    path: (options.path ?? [process.cwd()]).map((entry) => resolve(entry)),
    environ: stringExtras(options.environ),
    log: options.errors ?? stderrLog,
  }, {
    workers: count(options.workers, 'workers', 1, 1),
    timeoutMs: count(options.timeout, 'timeout', 30, 0, false) * 1000,
    maxRequests: count(options.maxRequests, 'maxRequests', 0, 0),
  });
  const app: WsgiApp = (environ, startResponse) => pool.serve(environ, startResponse);
  return Object.assign(app, { ready: pool.ready, close: () => pool.close() });
}

function count(value: number | undefined, name: string, fallback: number, min: number, integer = true): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value >= min) || !Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new RangeError(`pythonApp's ${name} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got ${String(value)}`);
  }
  return value;
}

function stringExtras(extras: Record<string, string> | undefined): Record<string, string> {
  for (const [key, value] of Object.entries(extras ?? {})) {
    if (typeof value !== 'string') {
      throw new TypeError(`pythonApp's environ extras must be strings (a Python environ holds native strings); ${key} is ${typeof value}`);
    }
  }
  return { ...extras };
}
