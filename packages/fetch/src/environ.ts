import type { Environ, WsgiInput } from '@wsgi-bridge/core';
import { requestEnviron, splitTarget, type EnvironDefaults } from '@wsgi-bridge/core/adapter';

/** What every environ of one handler shares, beyond the core's defaults. */
export interface FetchEnvironSettings {
  defaults: EnvironDefaults;
  /** The mount prefix, undecoded, without a trailing slash; '' for none. */
  scriptName: string;
  /** SERVER_PROTOCOL. */
  protocol: string;
  /** REMOTE_ADDR for a request; absent when undefined. */
  remoteAddr: ((request: Request) => string | undefined) | undefined;
}

const SLASH = 47;
const PROTOCOL = /^HTTP\/\d(?:\.\d)?$/;

/** The `scriptName` option as the environ uses it: '' or `/…` without a trailing slash. */
export function mountPrefix(scriptName: unknown): string {
  if (scriptName === undefined) return '';
  if (typeof scriptName !== 'string' || (scriptName !== '' && scriptName.charCodeAt(0) !== SLASH)) {
    throw new TypeError(`scriptName must be a path that starts with '/' (or ''), got ${JSON.stringify(scriptName)}`);
  }
  return scriptName.replace(/\/+$/, '');
}

/** The `serverProtocol` option, checked: `HTTP/1.1` by default. */
export function serverProtocol(protocol: unknown): string {
  if (protocol === undefined) return 'HTTP/1.1';
  if (typeof protocol !== 'string' || !PROTOCOL.test(protocol)) {
    throw new TypeError(`serverProtocol must look like HTTP/1.1, got ${JSON.stringify(protocol)}`);
  }
  return protocol;
}

/**
 * The PEP 3333 environ of a Fetch `Request`, built by the core's `requestEnviron` as on
 * Node: the URL gives the path, query, SERVER_NAME, SERVER_PORT and wsgi.url_scheme.
 */
export function fetchEnviron(request: Request, input: WsgiInput, settings: FetchEnvironSettings): Environ {
  const url = request.url;
  const schemeEnd = url.indexOf('://');
  const scheme = url.startsWith('https') && schemeEnd === 5 ? 'https' : 'http';
  const authorityStart = schemeEnd + 3;
  const pathStart = targetStart(url, authorityStart);
  const [host, port] = hostAndPort(url.slice(authorityStart, pathStart), scheme);
  const hash = url.indexOf('#', pathStart);
  const target = url.slice(pathStart, hash === -1 ? url.length : hash);
  let [rawPath, query] = splitTarget(target === '' || target.charCodeAt(0) === 63 /* ? */ ? `/${target}` : target);
  let scriptName = settings.scriptName;
  if (scriptName !== '') {
    const rest = rawPath.length === scriptName.length || rawPath.charCodeAt(scriptName.length) === SLASH;
    if (rest && rawPath.startsWith(scriptName)) rawPath = rawPath.slice(scriptName.length);
    else scriptName = ''; // not under the mount: the whole path is PATH_INFO
  }
  const remoteAddr = settings.remoteAddr?.(request);
  const headers: string[] = [];
  request.headers.forEach(pushHeader, headers);
  const environ = requestEnviron(
    request.method, scriptName, rawPath, query, host, port, settings.protocol,
    remoteAddr ?? '', '', scheme, headers, input, settings.defaults,
  );
  // No address to tell (in-process, or no option): the key is absent rather than made up.
  if (remoteAddr === undefined) delete (environ as Partial<Environ>).REMOTE_ADDR;
  return environ;
}

/** Where an absolute URL's target (path, query) begins: after its authority. */
export function targetStart(url: string, authorityStart = url.indexOf('://') + 3): number {
  let at = authorityStart;
  while (at < url.length && !isPathStart(url.charCodeAt(at))) at++;
  return at;
}

function isPathStart(code: number): boolean {
  return code === SLASH || code === 63 /* ? */ || code === 35 /* # */;
}

/** An authority's host (an IPv6 one in brackets, as the URL has it) and port, the scheme's default if none. */
function hostAndPort(authority: string, scheme: 'http' | 'https'): [host: string, port: string] {
  const at = authority.lastIndexOf('@');
  const hostPort = at === -1 ? authority : authority.slice(at + 1);
  const colon = hostPort.lastIndexOf(':');
  if (colon === -1 || colon < hostPort.lastIndexOf(']')) return [hostPort, scheme === 'https' ? '443' : '80'];
  return [hostPort.slice(0, colon), hostPort.slice(colon + 1)];
}

// Headers.forEach gives lowercased names, repeats already joined; `this` is the flat list.
function pushHeader(this: string[], value: string, name: string): void {
  this.push(name, value);
}
