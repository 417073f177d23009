// RFC 9110 token (header names), and field values limited to latin-1 without controls
// other than HTAB: what PEP 3333 allows and what cannot split a response.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;
const ASCII_VALUE = /^[\t\x20-\x7e]*$/;

export const isToken = (name: string): boolean => TOKEN.test(name);
export const isHeaderValue = (value: string): boolean => FIELD_VALUE.test(value);
/** A value of printable ASCII (and HTAB) only: what UTF-8 and latin-1 encode alike. */
export const isAsciiHeaderValue = (value: string): boolean => ASCII_VALUE.test(value);

// Connection-level headers are the server's to send, never the app's (PEP 3333).
export const HOP_BY_HOP = new Set([
  'connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer',
  'trailers', 'transfer-encoding', 'upgrade',
]);

const NAME_CACHE_LIMIT = 1024;

/** A header-name transform with a cache: names repeat from response to response. */
function cachedByName<T>(transform: (name: string) => T): (name: string) => T {
  const cache = new Map<string, T>();
  return (name) => {
    let out = cache.get(name);
    if (out === undefined) {
      out = transform(name);
      if (cache.size >= NAME_CACHE_LIMIT) cache.clear();
      cache.set(name, out);
    }
    return out;
  };
}

const capitalize = (name: string): string =>
  name
    .split('-')
    .map((part) => part.charAt(0).toUpperCase() + part.slice(1).toLowerCase())
    .join('-');

/** eventlet's capitalization: each `-`-separated part gets an upper first letter, the rest lower. */
export const capitalizeHeaderName = cachedByName(capitalize);

/** What start_response needs to know of a response header's name. */
export interface ResponseHeaderName {
  /** The name as eventlet sends it: {@link capitalizeHeaderName}'s. */
  readonly capitalized: string;
  /** The name in lowercase when the server has a rule for it (hop-by-hop, Content-Length, Date); '' otherwise. */
  readonly watched: string;
}

const WATCHED = new Set([...HOP_BY_HOP, 'content-length', 'date']);

/**
 * A valid response header name's facts, or null when it is not an HTTP token. An app sends
 * the same few names: one cache look-up then stands for the token test, the lowercasing and
 * the capitalization.
 */
export const responseHeaderName = cachedByName((name): ResponseHeaderName | null => {
  if (!isToken(name)) return null;
  const lower = name.toLowerCase();
  return { capitalized: capitalize(name), watched: WATCHED.has(lower) ? lower : '' };
});

/**
 * The lowercased name, the same string every time. An API that keeps headers as the keys
 * of an object (Fastify's reply) then finds the name fast from the second response on,
 * where a freshly lowercased string costs V8 a slow keyed lookup each time.
 */
export const lowercaseHeaderName = cachedByName((name) => name.toLowerCase());

const HOST = /^host$/i;
// Clients spell it one of these two ways: a string comparison, cheaper than the test.
const isHost = (name: string): boolean => name === 'Host' || name === 'host' || (name.length === 4 && HOST.test(name));

/**
 * Whether a request's raw headers name Host more than once: RFC 9112 §3.2 requires a 400.
 * Node's parser takes both, and HTTP_HOST would join them.
 */
export function hasTwoHosts(rawHeaders: readonly string[]): boolean {
  let hosts = 0;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    if (isHost(rawHeaders[i]!) && ++hosts > 1) return true;
  }
  return false;
}
