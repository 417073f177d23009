import type { Environ, WsgiInput } from '@wsgi-bridge/core';
import { requestEnviron, splitTarget, type EnvironDefaults } from '@wsgi-bridge/core/adapter';
import { originOf, type Origin } from './origin.js';

/** What every environ of one handler shares, beyond the core's defaults. */
export interface FetchEnvironSettings {
  defaults: EnvironDefaults;
  /** The mount prefix, undecoded, without a trailing slash; '' for none. */
  scriptName: string;
  /** SERVER_PROTOCOL. */
  protocol: string;
  /** REMOTE_ADDR for a request and its runtime's context; absent when undefined. */
  remoteAddr: ((request: Request, context: unknown) => string | undefined) | undefined;
  /** The origin of the last request, parsed once for every request that shares it. */
  origin: Origin | null;
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
export function fetchEnviron(request: Request, context: unknown, input: WsgiInput, settings: FetchEnvironSettings): Environ {
  const url = request.url;
  const origin = originOf(url, settings.origin);
  settings.origin = origin;
  const pathStart = origin.prefix.length;
  const hash = url.indexOf('#', pathStart);
  const target = url.slice(pathStart, hash === -1 ? url.length : hash);
  let [rawPath, query] = splitTarget(target === '' || target.charCodeAt(0) === 63 /* ? */ ? `/${target}` : target);
  let scriptName = settings.scriptName;
  if (scriptName !== '') {
    const rest = rawPath.length === scriptName.length || rawPath.charCodeAt(scriptName.length) === SLASH;
    if (rest && rawPath.startsWith(scriptName)) rawPath = rawPath.slice(scriptName.length);
    else scriptName = ''; // not under the mount: the whole path is PATH_INFO
  }
  const remoteAddr = settings.remoteAddr?.(request, context);
  const headers: string[] = [];
  request.headers.forEach(pushHeader, headers);
  const environ = requestEnviron(
    request.method, scriptName, rawPath, query, origin.host, origin.port, settings.protocol,
    remoteAddr ?? '', '', origin.scheme, headers, input, settings.defaults,
  );
  // No address to tell (in-process, or no option): the key is absent rather than made up.
  if (remoteAddr === undefined) delete (environ as Partial<Environ>).REMOTE_ADDR;
  return environ;
}

// Headers.forEach gives lowercased names, repeats already joined; `this` is the flat list.
function pushHeader(this: string[], value: string, name: string): void {
  this.push(name, value);
}
