/** Exit statuses of the command, as gunicorn's: 0 after a stop. */
export const EXIT = {
  stopped: 0,
  /** A worker could not bind or failed in a way that is not the app's. */
  failed: 1,
  usage: 2,
  appNotLoaded: 3,
} as const;

/** A bad flag, config file or option value: the command prints it with the usage line and exits 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** The app module (or Python app) cannot be loaded: the command prints it and exits 3, without retrying. */
export class AppLoadError extends Error {
  override readonly name = 'AppLoadError';
}

/** An error's message, or its stack when it has one that says more (a syntax error's frame). */
export function explain(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return String(err);
}
