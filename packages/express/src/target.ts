import type { ExpressRequest } from './types.js';

const QUERY = 63;

/**
 * The undecoded request target below the mount, for PATH_INFO and QUERY_STRING.
 *
 * Express's `req.url` already is that, rewrites by earlier middleware included, except at
 * the mount's root: Express turns `/legacy` and `/legacy?q` into `/` and `/?q`, where
 * PEP 3333 wants PATH_INFO `''` so that SCRIPT_NAME + PATH_INFO is the path requested.
 */
export function targetBelowMount(req: ExpressRequest): string {
  const url = req.url ?? '/';
  const original = req.originalUrl;
  const base = req.baseUrl;
  const atRoot = original.length === base.length || original.charCodeAt(base.length) === QUERY;
  if (!atRoot || !original.startsWith(base)) return url; // absolute-form, or a rewritten target
  const rest = original.slice(base.length);
  // req.url is '/' + rest when Express only added its slash; anything else is a rewrite to keep.
  return url.length === rest.length + 1 && url.endsWith(rest) ? rest : url;
}
