import type { Environ, WsgiInput } from '@wsgi-bridge/core';
import { requestEnviron, splitTarget, type EnvironDefaults } from '@wsgi-bridge/core/adapter';
import { incomingOf } from './node-context.js';
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
 * With @hono/node-server's context, the headers and REMOTE_ADDR come from its IncomingMessage.
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
  // On @hono/node-server, given its context: the wire's headers and the socket's address.
  const incoming = incomingOf(context);
  const remoteAddr = settings.remoteAddr !== undefined ? settings.remoteAddr(request, context) : incoming?.socket?.remoteAddress;
  const environ = requestEnviron(
    request.method, scriptName, rawPath, query, origin.host, origin.port, settings.protocol,
    remoteAddr ?? '', '', origin.scheme, rawHeadersOf(request, incoming), input, settings.defaults,
  );
  // No address to tell (in-process, or no option): the key is absent rather than made up.
  if (remoteAddr === undefined) delete (environ as Partial<Environ>).REMOTE_ADDR;
  return environ;
}

/** The headers as a flat `[name, value, …]` list: the wire's own when the IncomingMessage is at hand. */
function rawHeadersOf(request: Request, incoming: { rawHeaders: string[] } | undefined): readonly string[] {
  if (incoming !== undefined) return incoming.rawHeaders;
  const flat: string[] = [];
  request.headers.forEach(pushHeader, flat);
  return flat;
}

// Headers.forEach gives lowercased names, repeats already joined; `this` is the flat list.
function pushHeader(this: string[], value: string, name: string): void {
  this.push(name, value);
}
