import { describeError, WsgiError } from './errors.js';
import type { Environ, ErrorLog } from './types.js';

/**
 * Whether the environ holds post hooks to run (or a key that is not a list, to report).
 * `evy.posthooks` is the same list as `eventlet.posthooks` unless the app replaced one.
 */
export function hasPosthooks(environ: Environ): boolean {
  const eventlet = environ['eventlet.posthooks'];
  const evy = environ['evy.posthooks'];
  return holdsHooks(eventlet) || (evy !== eventlet && holdsHooks(evy));
}

const holdsHooks = (hooks: unknown): boolean => hooks !== undefined && !(Array.isArray(hooks) && hooks.length === 0);

/**
 * Run `environ['eventlet.posthooks']` in order, each once, as `fn(environ, ...args, kwargs)`,
 * then `environ['evy.posthooks']` when the app replaced it with a list of its own. The lists
 * are read now, so an app that replaced one is honoured. A hook that throws (or rejects)
 * is logged and the others still run.
 */
export async function runPosthooks(environ: Environ, log: ErrorLog): Promise<void> {
  const eventlet = environ['eventlet.posthooks'];
  await runList(environ, eventlet, 'eventlet.posthooks', log);
  const evy = environ['evy.posthooks'];
  if (evy !== eventlet) await runList(environ, evy, 'evy.posthooks', log);
}

async function runList(environ: Environ, hooks: unknown, key: string, log: ErrorLog): Promise<void> {
  if (hooks === undefined) return;
  if (!Array.isArray(hooks)) {
    log(`${new WsgiError('WSGI_ERR_POSTHOOK', `${key} must be a list, got ${typeof hooks}`).message}\n`);
    return;
  }
  const where = key === 'eventlet.posthooks' ? '' : ` of ${key}`;
  for (let i = 0; i < hooks.length; i++) {
    const hook: unknown = hooks[i];
    try {
      if (!Array.isArray(hook) || typeof hook[0] !== 'function') {
        throw new WsgiError('WSGI_ERR_POSTHOOK', `entry ${i}${where} is not [fn, args?, kwargs?]`);
      }
      const [fn, args, kwargs] = hook as [(...a: unknown[]) => unknown, unknown[]?, object?];
      const result = kwargs == null ? fn(environ, ...(args ?? [])) : fn(environ, ...(args ?? []), kwargs);
      if (result instanceof Promise) await result;
    } catch (err) {
      log(`Post hook ${i}${where} failed:\n${describeError(err)}\n`);
    }
  }
}
