import type { Arbiter } from './arbiter.js';

/** gunicorn's signals, to the primary process. */
export function handleSignals(arbiter: Arbiter): void {
  process.on('SIGTERM', () => arbiter.stop(true));
  process.on('SIGINT', () => arbiter.stop(false));
  process.on('SIGQUIT', () => arbiter.stop(false));
  process.on('SIGHUP', () => arbiter.reload('SIGHUP'));
  process.on('SIGTTIN', () => arbiter.resize(1));
  process.on('SIGTTOU', () => arbiter.resize(-1));
  process.on('SIGUSR1', () => arbiter.reopenLogs());
}
