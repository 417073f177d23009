import { subscribe } from 'node:diagnostics_channel';
import type { Server } from 'node:http';
import { prepareHostServer } from '@wsgi-bridge/core/adapter';

/** Marks the middleware wsgiMount returns, so a server's Express app can be seen to hold one. */
export const WSGI_MOUNT = Symbol('wsgi-bridge.mount');

/** Servers already looked at: prepared, or found to hold no mount. */
const seen = new WeakSet<Server>();
let subscribed = false;

/**
 * Prepare every server that runs an Express app holding a wsgiMount before its first
 * request is answered, with no call from the user. Node publishes
 * `http.server.request.start` before it looks at `Expect`, so a `checkContinue` listener
 * installed there already takes the very first request: the 100 stays lazy (eventlet's
 * test_024a gets its 417 with no 100). A server without a mount is left as it is.
 */
export function prepareServersOnFirstRequest(): void {
  if (subscribed) return;
  subscribed = true;
  subscribe('http.server.request.start', onRequestStart);
}

function onRequestStart(message: unknown): void {
  const server = (message as { server?: Server }).server;
  if (server === undefined || seen.has(server)) return;
  seen.add(server);
  if (server.listeners('request').some(holdsMount)) prepareHostServer(server);
}

interface Layer {
  handle?: unknown;
  route?: { stack?: Layer[] };
}

/** Whether a request listener is an Express app (4 or 5) whose routers hold a wsgiMount. */
function holdsMount(listener: unknown): boolean {
  const app = listener as { _router?: { stack?: Layer[] }; router?: { stack?: Layer[] } };
  // Express 4 keeps its router in `_router` (its `router` getter throws); Express 5 in `router`.
  const router = Object.hasOwn(app, '_router') ? app._router : Object.hasOwn(app, 'router') ? app.router : undefined;
  return stackHoldsMount(router?.stack, 0);
}

// Nested routers are walked; a mounted sub-app is a closure Express does not expose, so a
// mount inside one is prepared by its own first request, as before.
function stackHoldsMount(stack: Layer[] | undefined, depth: number): boolean {
  if (!Array.isArray(stack) || depth > 16) return false;
  for (const layer of stack) {
    if (typeof layer.handle === 'function') {
      const handle = layer.handle as { [WSGI_MOUNT]?: true; stack?: Layer[] };
      if (handle[WSGI_MOUNT] === true || stackHoldsMount(handle.stack, depth + 1)) return true;
    }
    if (stackHoldsMount(layer.route?.stack, depth + 1)) return true;
  }
  return false;
}
