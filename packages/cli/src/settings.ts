import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerOptions } from '@wsgi-bridge/server';
import type { CommandLine } from './args.js';
import { parseBind, type Bind } from './binds.js';
import { explain, UsageError } from './errors.js';
import { FLAGS } from './flags.js';
import { DEFAULTS, type CliOptions } from './options.js';

/** What to serve: a JS module's export, or a Python WSGI callable. */
export type AppTarget =
  | { kind: 'js'; file: string; name: string | undefined }
  | { kind: 'python'; target: string; executable: string | undefined; path: string[]; workers: number };

/** Everything the primary and its workers need, checked and with defaults filled in. */
export interface Settings {
  app: AppTarget;
  binds: Bind[];
  workers: number;
  maxRequests: number;
  maxRequestsJitter: number;
  timeout: number;
  gracefulTimeout: number;
  reload: boolean;
  tls: { certfile: string; keyfile: string | undefined } | null;
  /** null: standard error; '-': standard output; else a file. */
  accessLogfile: string | null;
  pid: string | null;
  backlog: number;
  /** What each worker hands to `server()` (forwardedAllowIps included); `log` is set by the worker. */
  server: ServerOptions;
  configFile: string | null;
}

// Config keys that only a config file can set (objects, not text).
const CONFIG_ONLY = new Set(['log', 'environ']);
const KEYS = new Set<string>([...FLAGS.map((flag) => flag.key), ...CONFIG_ONLY]);
// The command's own options; every other one goes to server(). The compiler checks the list.
const COMMAND_KEYS = new Set(Object.keys({
  bind: true, workers: true, maxRequests: true, maxRequestsJitter: true, timeout: true, gracefulTimeout: true, reload: true,
  certfile: true, keyfile: true, accessLogfile: true, pid: true, backlog: true, python: true, pythonExecutable: true,
  pythonpath: true, pythonWorkers: true,
} satisfies Record<Exclude<keyof CliOptions, keyof ServerOptions>, true>));

/** Read the config file the command line names, and resolve both (the command line wins). */
export async function loadSettings(line: CommandLine): Promise<Settings> {
  const fromFile = line.config === undefined ? {} : await readConfig(line.config);
  return resolveSettings({ ...fromFile, ...line.options }, line);
}

/** Import a config file: its default export when that is an object, else its named exports. */
async function readConfig(file: string): Promise<CliOptions> {
  const path = resolve(file);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UsageError(`cannot read the config file ${path}: ${explain(err)}`);
  }
  const exported = typeof module.default === 'object' && module.default !== null ? module.default : { ...module };
  const options = exported as Record<string, unknown>;
  for (const [key, value] of Object.entries(options)) {
    if (!KEYS.has(key)) throw new UsageError(`config file ${path}: unknown option ${key}`);
    const flag = FLAGS.find((candidate) => candidate.key === key);
    if (flag === undefined || value === undefined) continue;
    try {
      options[key] = flag.kind.check(value);
    } catch (err) {
      throw new UsageError(`config file ${path}: ${key}: ${(err as Error).message}`);
    }
  }
  return options as CliOptions;
}

function resolveSettings(options: CliOptions, line: CommandLine): Settings {
  const app = appTarget(options, line.target);
  if (options.log !== undefined && options.accessLogfile !== undefined) {
    throw new UsageError('give the log as accessLogfile or as log, not both');
  }
  const binds = [options.bind ?? DEFAULTS.bind].flat().map(parseBind);
  const workers = options.workers ?? DEFAULTS.workers;
  const server: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!COMMAND_KEYS.has(key) && value !== undefined) server[key] = value;
  }
  server.forwardedAllowIps = options.forwardedAllowIps ?? process.env.FORWARDED_ALLOW_IPS ?? DEFAULTS.forwardedAllowIps;
  if (options.keyfile !== undefined && options.certfile === undefined) throw new UsageError('--keyfile needs --certfile');
  return {
    app,
    binds,
    workers: workers === 'auto' ? availableParallelism() : workers,
    maxRequests: options.maxRequests ?? DEFAULTS.maxRequests,
    maxRequestsJitter: options.maxRequestsJitter ?? DEFAULTS.maxRequestsJitter,
    timeout: options.timeout ?? DEFAULTS.timeout,
    gracefulTimeout: options.gracefulTimeout ?? DEFAULTS.gracefulTimeout,
    reload: options.reload ?? false,
    tls: options.certfile === undefined ? null : { certfile: resolve(options.certfile), keyfile: options.keyfile && resolve(options.keyfile) },
    accessLogfile: options.accessLogfile ?? null,
    pid: options.pid === undefined ? null : resolve(options.pid),
    backlog: options.backlog ?? DEFAULTS.backlog,
    server: server as ServerOptions,
    configFile: line.config === undefined ? null : resolve(line.config),
  };
}

function appTarget(options: CliOptions, target: string | undefined): AppTarget {
  if (options.python !== undefined) {
    if (target !== undefined) throw new UsageError(`give a JS module or --python, not both (${target} and --python ${options.python})`);
    if (!/^[\w.]+:[\w.]+$/.test(options.python)) throw new UsageError(`--python ${options.python}: expected MODULE:CALLABLE, as gunicorn takes it`);
    return {
      kind: 'python',
      target: options.python,
      executable: options.pythonExecutable,
      path: [options.pythonpath ?? process.cwd()].flat().map((dir) => resolve(dir)),
      workers: options.pythonWorkers ?? DEFAULTS.pythonWorkers,
    };
  }
  if (target === undefined) throw new UsageError('no app given: wsgi-bridge [options] MODULE[:NAME]');
  // The last ':' starts NAME when what follows is an identifier (a path may hold ':').
  const match = /^(.+):([A-Za-z_$][\w$]*)$/.exec(target);
  return { kind: 'js', file: resolve(match?.[1] ?? target), name: match?.[2] };
}
