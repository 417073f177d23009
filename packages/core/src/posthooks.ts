import { describeError, WsgiError } from './errors.js';
import type { Environ, ErrorLog } from './types.js';

/**
 * Run `environ['eventlet.posthooks']` in order, each once, as `fn(environ, ...args, kwargs)`.
 * The list is read now, so an app that replaced it is honoured. A hook that throws
 * (or rejects) is logged and the others still run.
 */
export async function runPosthooks(environ: Environ, log: ErrorLog): Promise<void> {
  const hooks = environ['eventlet.posthooks'];
  if (!Array.isArray(hooks)) {
    log(`${new WsgiError('WSGI_ERR_POSTHOOK', `eventlet.posthooks must be a list, got ${typeof hooks}`).message}\n`);
    return;
  }
  for (let i = 0; i < hooks.length; i++) {
    const hook: unknown = hooks[i];
    try {
      if (!Array.isArray(hook) || typeof hook[0] !== 'function') {
        throw new WsgiError('WSGI_ERR_POSTHOOK', `entry ${i} is not [fn, args?, kwargs?]`);
      }
      const [fn, args, kwargs] = hook as [(...a: unknown[]) => unknown, unknown[]?, object?];
      const result = kwargs == null ? fn(environ, ...(args ?? [])) : fn(environ, ...(args ?? []), kwargs);
      if (result instanceof Promise) await result;
    } catch (err) {
      log(`Post hook ${i} failed:\n${describeError(err)}\n`);
    }
  }
}
