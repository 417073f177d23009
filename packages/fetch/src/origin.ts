/** What a request URL's origin gives the environ: wsgi.url_scheme, SERVER_NAME and SERVER_PORT. */
export interface Origin {
  /** `scheme://authority`, as the URL spells it. */
  readonly prefix: string;
  readonly scheme: 'http' | 'https';
  /** The host, an IPv6 one in brackets as the URL has it. */
  readonly host: string;
  /** The port, the scheme's default when the URL names none. */
  readonly port: string;
}

const SLASH = 47;

/** Whether a URL's authority ends at `code`: a path, a query or a fragment begins. */
export function isTargetStart(code: number): boolean {
  return code === SLASH || code === 63 /* ? */ || code === 35 /* # */;
}

/** Where an absolute URL's target (path, query) begins: after its authority. */
export function targetStart(url: string, authorityStart = url.indexOf('://') + 3): number {
  let at = authorityStart;
  while (at < url.length && !isTargetStart(url.charCodeAt(at))) at++;
  return at;
}

/**
 * The origin of an absolute URL: `last` again when the URL has the same one (requests to a
 * handler mostly share theirs, so it is parsed once, not per request), else a new one.
 */
export function originOf(url: string, last: Origin | null): Origin {
  if (last !== null && url.startsWith(last.prefix)) {
    const end = last.prefix.length;
    if (end === url.length || isTargetStart(url.charCodeAt(end))) return last;
  }
  const schemeEnd = url.indexOf('://');
  const scheme = schemeEnd === 5 && url.startsWith('https') ? 'https' : 'http';
  const pathStart = targetStart(url, schemeEnd + 3);
  // A Request's URL has no credentials: the authority is host[:port].
  const hostPort = url.slice(schemeEnd + 3, pathStart);
  const colon = hostPort.lastIndexOf(':');
  const portless = colon === -1 || colon < hostPort.lastIndexOf(']');
  return {
    prefix: url.slice(0, pathStart),
    scheme,
    host: portless ? hostPort : hostPort.slice(0, colon),
    port: portless ? (scheme === 'https' ? '443' : '80') : hostPort.slice(colon + 1),
  };
}
