import type { MountContext } from '@wsgi-bridge/core';
import type { ExpressRequest } from './types.js';

/**
 * Whether Express may read X-Forwarded-* for this request. Off by default; any other
 * setting (true, hop count, addresses, a function) hands the question to Express's getters.
 */
export function trustsProxy(req: ExpressRequest): boolean {
  return Boolean(req.app.get('trust proxy'));
}

/** wsgi.url_scheme, REMOTE_ADDR and SERVER_NAME as Express's `trust proxy` getters see them. */
export function applyProxyView(ctx: MountContext, req: ExpressRequest): void {
  ctx.urlScheme = req.secure ? 'https' : 'http';
  // Empty values keep the socket's, as the core's defaults are.
  ctx.remoteAddr = req.ip || undefined;
  ctx.serverName = req.hostname || undefined;
}
