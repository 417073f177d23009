import cluster from 'node:cluster';
import { randomInt } from 'node:crypto';
import type { WsgiApp } from '@wsgi-bridge/core';
import { listen, server, wrapSsl, type ListeningSocket } from '@wsgi-bridge/server';
import { AppLoadError, EXIT, explain } from './errors.js';
import { loadApp, type LoadedApp } from './load-app.js';
import { trackLoadedFiles } from './loaded-files.js';
import { LogFile } from './log-file.js';
import { isOurs, type ToPrimary, type ToWorker } from './messages.js';
import type { Settings } from './settings.js';

function tell(message: ToPrimary): void {
  if (process.connected) process.send!(message);
}

/**
 * Report a failure that a restart would repeat, then exit with its status once the message
 * is out. The promise never settles: the process ends first.
 */
export function fatal(status: number, message: string): Promise<never> {
  if (process.connected) process.send!({ wsgiBridge: 'fatal', status, message } satisfies ToPrimary, () => process.exit(status));
  else process.exit(status);
  return new Promise(() => {});
}

/**
 * A worker process: load the app, serve it with @wsgi-bridge/server on every address of
 * the settings (cluster shares the primary's listening sockets), answer the primary's
 * heartbeat, and stop gracefully when told to (or on TERM).
 */
export async function runWorker(settings: Settings): Promise<number> {
  const log = new LogFile(settings.accessLogfile);
  const sockets: ListeningSocket[] = [];
  let stopping = false;
  const stop = (): void => {
    stopping = true;
    for (const sock of sockets) closeWhenListening(sock);
  };
  listenToPrimary(log, stop);
  if (settings.reload) trackLoadedFiles((file) => tell({ wsgiBridge: 'loaded', file }));

  let loaded: LoadedApp;
  try {
    loaded = await loadApp(settings.app, settings.timeout);
  } catch (err) {
    return fatal(err instanceof AppLoadError ? EXIT.appNotLoaded : EXIT.failed, err instanceof AppLoadError ? err.message : explain(err));
  }
  // Told to stop while loading (TTOU, a stop during boot): nothing to drain.
  if (stopping) return closeAll(loaded, log);
  const app = recycledAfter(loaded.app, settings);
  const options = { ...settings.server, log: settings.server.log ?? log };
  if (settings.workers > 1) options.environ = { 'wsgi.multiprocess': true, ...options.environ };
  const serving: Array<Promise<void>> = [];
  let listening = false;
  // Before it listens, a failure (EADDRINUSE, EACCES) would repeat in every replacement:
  // fatal. After, as eventlet's server() ending on an accept error, it is a crash: replaced.
  const failed = (bind: string) => (err: Error): Promise<never> => {
    const message = `cannot serve on ${bind}: ${err.message}`;
    if (!listening) return fatal(EXIT.failed, message);
    process.stderr.write(`(${process.pid}) ${message}\n`);
    process.exit(EXIT.failed);
  };
  for (const bind of settings.binds) {
    const plain = listen(bind.address, settings.backlog);
    const sock = settings.tls === null ? plain : wrapSsl(plain, settings.tls);
    sockets.push(sock);
    try {
      serving.push(server(sock, app, options).catch(failed(bind.text)));
    } catch (err) {
      // server() checks its options first: a bad one from a config file is a usage error.
      return fatal(err instanceof TypeError ? EXIT.usage : EXIT.failed, (err as Error).message);
    }
  }
  await Promise.all(sockets.map((sock) => (sock.listening ? undefined : new Promise((resolve) => sock.once('listening', resolve)))));
  listening = true;
  tell({ wsgiBridge: 'ready' });
  await Promise.all(serving);
  return closeAll(loaded, log);
}

async function closeAll(loaded: LoadedApp, log: LogFile): Promise<number> {
  await loaded.close();
  await log.close();
  await leaveCluster();
  return EXIT.stopped;
}

/**
 * Leave through cluster's own disconnect rather than by exiting at once: it waits for the
 * primary's answer, and a connection the primary handed over just before it heard that
 * this worker closed its server arrives first and is handed back (to another worker).
 * Exiting with it unread would leave its client waiting forever on the primary.
 */
function leaveCluster(): Promise<void> {
  const worker = cluster.worker;
  if (worker === undefined || !worker.isConnected()) return Promise.resolve();
  return new Promise((resolve) => {
    worker.once('disconnect', resolve);
    worker.disconnect();
  });
}

/**
 * Close a listening socket; one whose listen() is still on its way (cluster asks the
 * primary) is closed once it listens, or the listen would finish after the close and serve.
 */
function closeWhenListening(sock: ListeningSocket): void {
  if (sock.listening) sock.close();
  else sock.once('listening', () => sock.close());
}

/** The primary's messages, and the signals a worker may get when its whole group is signalled. */
function listenToPrimary(log: LogFile, stop: () => void): void {
  process.on('message', (message: unknown) => {
    if (!isOurs<ToWorker>(message)) return;
    if (message.wsgiBridge === 'ping') tell({ wsgiBridge: 'pong' });
    else if (message.wsgiBridge === 'stop') stop();
    else if (message.wsgiBridge === 'reopen-logs') log.reopen();
  });
  // systemd's default KillMode signals every process: TERM drains, as gunicorn's workers do.
  process.on('SIGTERM', stop);
  process.on('SIGINT', () => process.exit(EXIT.stopped));
  process.on('SIGQUIT', () => process.exit(EXIT.stopped));
  process.on('SIGUSR1', () => log.reopen());
  // Meant for the primary; their default would kill a worker.
  for (const signal of ['SIGHUP', 'SIGTTIN', 'SIGTTOU'] as const) process.on(signal, () => {});
}

/**
 * --max-requests: after that many requests (plus up to --max-requests-jitter), ask the
 * primary for a replacement; the primary stops this worker once the replacement listens.
 */
function recycledAfter(app: WsgiApp, settings: Settings): WsgiApp {
  if (settings.maxRequests === 0) return app;
  let left = settings.maxRequests + (settings.maxRequestsJitter === 0 ? 0 : randomInt(settings.maxRequestsJitter + 1));
  return (environ, startResponse) => {
    if (--left === 0) tell({ wsgiBridge: 'recycle' });
    return app(environ, startResponse);
  };
}
