import { messageOf } from '../errors.js';

/** The exit code that tells the runner a contender cannot run here (its stderr says why). */
export const EXIT_UNAVAILABLE = 3;

/** A contender that cannot run here; the message says why. */
export class Unavailable extends Error {}

/**
 * Load an export of a front end that may not exist yet. The specifier is typed as a
 * plain string so the bench builds whatever the package exports today.
 */
export async function optionalExport<T>(specifier: string, name: string): Promise<T> {
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new Unavailable(`${specifier} cannot be loaded: ${messageOf(err)}`);
  }
  const value = module[name];
  if (typeof value !== 'function') throw new Unavailable(`${specifier} does not export ${name}`);
  return value as T;
}
