import { WsgiError } from './errors.js';
import { HOP_BY_HOP, isToken } from './headers.js';
import { typeName } from './start-response.js';
import type { Body, Chunk, Environ, StartResponse, Write, WsgiApp } from './types.js';

/**
 * The rules {@link validator} checks, after Python's wsgiref.validate and Ruby's
 * Rack::Lint, adapted to JavaScript (strings for CGI values, `Uint8Array` or string
 * chunks, promises for reads). V1–V19: the environ the server built; V20–V49: what
 * the app does; V50–V59: how the server treats the body and wsgi.input.
 */
export const validationRules = {
  'WSGI-V1': 'the app is called as app(environ, start_response) with a plain object',
  'WSGI-V2': 'the environ has every required key',
  'WSGI-V3': 'a CGI value (a key without a dot) is a string of latin-1 characters only',
  'WSGI-V4': 'Content-Type and Content-Length have no HTTP_ form',
  'WSGI-V5': 'REQUEST_METHOD is an HTTP token',
  'WSGI-V6': 'SCRIPT_NAME and PATH_INFO are empty or start with /; SCRIPT_NAME is not /',
  'WSGI-V7': 'CONTENT_LENGTH and SERVER_PORT are digits only',
  'WSGI-V8': 'SERVER_PROTOCOL is HTTP/n.n',
  'WSGI-V9': 'wsgi.version is [1, 0]',
  'WSGI-V10': 'wsgi.url_scheme is http or https',
  'WSGI-V11': 'wsgi.input has read, readline, readlines and async iteration; wsgi.errors has write, writelines, flush',
  'WSGI-V12': 'wsgi.multithread, wsgi.multiprocess and wsgi.run_once are booleans; eventlet.posthooks (and evy.posthooks, when there) are lists',
  'WSGI-V13': 'an HTTP_* value has no CR, LF or NUL (nothing a parser should let through)',
  'WSGI-V20': 'start_response takes 2 or 3 arguments',
  'WSGI-V21': 'the status is "NNN reason": three digits from 100, a space, latin-1 text without controls',
  'WSGI-V22': 'the headers are a list of [name, value] pairs of strings',
  'WSGI-V23': 'a header name is a letter then letters, digits, - or _, not ending in - or _, and not Status',
  'WSGI-V24': 'a header value is latin-1 text without control characters other than TAB',
  'WSGI-V25': 'the app sends no hop-by-hop header',
  'WSGI-V26': 'Content-Length is digits only, and 1xx, 204 and 304 carry neither Content-Length nor Content-Type',
  'WSGI-V27': 'a response that may have a body has a Content-Type (warning)',
  'WSGI-V28': 'start_response is called again only with exc_info',
  'WSGI-V30': 'write() takes one string or Uint8Array',
  'WSGI-V31': 'write() is not called after the body was closed',
  'WSGI-V40': 'the app returns an iterable or async iterable of chunks (not null, a string, a number or bytes)',
  'WSGI-V41': 'every chunk the body yields is a string or Uint8Array',
  'WSGI-V42': 'start_response is called before the first chunk is yielded or the body ends',
  'WSGI-V43': 'the body has exactly as many bytes as its Content-Length',
  'WSGI-V44': 'a HEAD response yields no body (warning: the server drops it)',
  'WSGI-V50': 'the server iterates the body at most once',
  'WSGI-V51': 'the server asks for no chunk after close()',
  'WSGI-V52': 'the server calls close() on the body exactly once',
  'WSGI-V53': 'wsgi.input read(n) and readline(n) give bytes, never more than n; readlines() a list of bytes',
  'WSGI-V54': 'wsgi.input sizes are integers or omitted; wsgi.errors.write takes a string',
} as const;

/** A stable rule id such as `WSGI-V21`. */
export type ValidationRule = keyof typeof validationRules;

const WARNINGS: ReadonlySet<ValidationRule> = new Set(['WSGI-V27', 'WSGI-V44']);

/** A broken rule: `rule` says which, `message` says how; `warning` ones are logged, not raised. */
export class ValidationError extends WsgiError {
  readonly rule: ValidationRule;
  readonly warning: boolean;
  constructor(rule: ValidationRule, detail: string) {
    super('WSGI_ERR_VALIDATION', `${rule} (${validationRules[rule]}): ${detail}`);
    this.name = 'ValidationError';
    this.rule = rule;
    this.warning = WARNINGS.has(rule);
  }
}

/** Options of {@link validator}. */
export interface ValidatorOptions {
  /** Sees every violation (warnings too) before it is raised or logged: tests collect them here. */
  onViolation?: (violation: ValidationError) => void;
}

/**
 * Wrap `app` so that both sides of the WSGI contract are checked on every request, as
 * wsgiref.validate and Rack::Lint do: the environ the server built, start_response's
 * arguments, write(), the body and its chunks, Content-Length against the bytes
 * yielded, close() called exactly once, no iteration after close(), and the sizes
 * wsgi.input returns. A violation is raised as a {@link ValidationError} (code
 * `WSGI_ERR_VALIDATION`) naming its rule, where it happens, so the server's usual
 * handling (a 500, an abort, a log line in wsgi.errors) follows; warnings are written
 * to wsgi.errors. For development and tests: it costs a wrapper per call.
 *
 * ```ts
 * server(listen(['', 8090]), validator(helloWorld));
 * ```
 */
export function validator(app: WsgiApp, options: ValidatorOptions = {}): WsgiApp {
  return function validated(environ: Environ, startResponse: StartResponse, ...extra: unknown[]) {
    const check = new RequestCheck(environ, options.onViolation);
    if (extra.length > 0 || typeof startResponse !== 'function') {
      check.fail('WSGI-V1', `called with ${2 + extra.length} arguments, start_response a ${typeof startResponse}`);
    }
    checkEnviron(environ, check);
    environ['wsgi.input'] = environ['eventlet.input'] = checkedInput(environ['wsgi.input'], check);
    environ['wsgi.errors'] = checkedErrors(environ['wsgi.errors'], check) as unknown as Environ['wsgi.errors'];
    const result = app(environ, check.startResponse(startResponse));
    return result instanceof Promise ? result.then((body) => check.body(body)) : check.body(result);
  };
}

/** What one request has done so far, and where its violations go. */
class RequestCheck {
  readonly #environ: Environ;
  readonly #onViolation: ((violation: ValidationError) => void) | undefined;
  #started = false;
  #statusCode = 0;
  #declaredLength = -1;
  #bytes = 0;
  #iterated = false;
  #closes = 0;
  #warnedHead = false;

  constructor(environ: Environ, onViolation: ((violation: ValidationError) => void) | undefined) {
    this.#environ = environ;
    this.#onViolation = onViolation;
  }

  /** Report a violation: raised, or for a warning written to wsgi.errors. */
  fail(rule: ValidationRule, detail: string): void {
    const violation = new ValidationError(rule, detail);
    this.#onViolation?.(violation);
    if (!violation.warning) throw violation;
    const errors = this.#environ?.['wsgi.errors'] as { write?: (text: string) => void } | undefined;
    errors?.write?.(`${violation.message}\n`);
  }

  startResponse(inner: StartResponse): StartResponse {
    return (...args: Parameters<StartResponse>) => {
      const [status, headers, excInfo] = args;
      if (args.length < 2 || args.length > 3) this.fail('WSGI-V20', `got ${args.length} arguments`);
      if (this.#started && !excInfo) this.fail('WSGI-V28', 'called a second time without exc_info');
      const code = checkStatus(status, this);
      this.#declaredLength = checkHeaders(headers, code, this);
      const write = inner(status, headers, excInfo);
      this.#started = true;
      this.#statusCode = code;
      return this.#write(write);
    };
  }

  #write(inner: Write): Write {
    return (...args: unknown[]) => {
      if (args.length !== 1 || !isChunk(args[0])) this.fail('WSGI-V30', `got ${describe(args)}`);
      if (this.#closes > 0) this.fail('WSGI-V31', 'the body was already closed');
      this.#count(args[0] as Chunk);
      return inner(args[0] as Chunk);
    };
  }

  /** Check what the app returned and wrap it so the server's use of it is checked too. */
  body(body: unknown): Body {
    this.#environ['eventlet.posthooks']?.push([() => this.#ended()]);
    try {
      return this.#wrap(body);
    } catch (err) {
      // The server never gets a body the validator refused: close it here, as the server would have.
      this.#close(body);
      throw err;
    }
  }

  #wrap(body: unknown): Body {
    if (!isIterable(body)) this.fail('WSGI-V40', `got ${describe([body])}`);
    const close = (): unknown => this.#close(body);
    if (Array.isArray(body)) {
      // A copy that stays a list, so the server still sends it whole with a Content-Length.
      for (const chunk of body) this.#chunk(chunk);
      this.#finish();
      return Object.assign(body.slice() as Chunk[], { close });
    }
    const asyncIterator = (body as AsyncIterable<unknown>)[Symbol.asyncIterator];
    if (typeof asyncIterator === 'function') {
      return { [Symbol.asyncIterator]: () => this.#iterator(asyncIterator.call(body), true), close } as Body;
    }
    const iterator = (body as Iterable<unknown>)[Symbol.iterator];
    return { [Symbol.iterator]: () => this.#iterator(iterator.call(body), false), close } as Body;
  }

  #iterator(inner: Iterator<unknown> | AsyncIterator<unknown>, isAsync: boolean): Iterator<Chunk> & AsyncIterator<Chunk> {
    if (this.#iterated) this.fail('WSGI-V50', 'the body was iterated a second time');
    this.#iterated = true;
    const step = (result: IteratorResult<unknown>): IteratorResult<Chunk> => {
      if (result.done) this.#finish();
      else this.#chunk(result.value);
      return result as IteratorResult<Chunk>;
    };
    return {
      next: () => {
        if (this.#closes > 0) this.fail('WSGI-V51', 'next() after close()');
        const result = inner.next();
        return (isAsync ? Promise.resolve(result).then(step) : step(result as IteratorResult<unknown>)) as never;
      },
      return: (value?: unknown) => (inner.return?.(value) ?? { done: true, value }) as never,
    };
  }

  #chunk(chunk: unknown): void {
    if (!isChunk(chunk)) this.fail('WSGI-V41', `got ${describe([chunk])}`);
    if (!this.#started) this.fail('WSGI-V42', 'a chunk was yielded before start_response was called');
    this.#count(chunk as Chunk);
  }

  #count(chunk: Chunk): void {
    const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
    this.#bytes += size;
    if (size > 0 && this.#environ.REQUEST_METHOD === 'HEAD' && !this.#warnedHead) {
      this.#warnedHead = true;
      this.fail('WSGI-V44', `the app yielded ${size} bytes for a HEAD request`);
    }
  }

  /** The body ran to its end: the head must exist and the length must be the declared one. */
  #finish(): void {
    if (!this.#started) this.fail('WSGI-V42', 'the body ended and start_response was never called');
    const bodyless = this.#environ.REQUEST_METHOD === 'HEAD' || forbidsBody(this.#statusCode);
    if (this.#declaredLength !== -1 && !bodyless && this.#bytes !== this.#declaredLength) {
      this.fail('WSGI-V43', `Content-Length ${this.#declaredLength}, but the body had ${this.#bytes} bytes`);
    }
  }

  #close(body: unknown): unknown {
    this.#closes += 1;
    if (this.#closes > 1) this.fail('WSGI-V52', `close() called ${this.#closes} times`);
    const close = (body as { close?: unknown } | null | undefined)?.close;
    return typeof close === 'function' ? close.call(body) : undefined;
  }

  // A post hook runs after the server is done with the body: close() must have come by then.
  #ended(): void {
    if (this.#closes !== 1) this.fail('WSGI-V52', `close() called ${this.#closes} times by the end of the request`);
  }
}

const REQUIRED = [
  'REQUEST_METHOD', 'SERVER_NAME', 'SERVER_PORT', 'SERVER_PROTOCOL', 'QUERY_STRING', 'wsgi.version',
  'wsgi.url_scheme', 'wsgi.input', 'wsgi.errors', 'wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once',
];
const LATIN1 = /^[\x00-\xff]*$/;
const INJECTED = /[\r\n\0]/;
const DIGITS = /^[0-9]+$/;

function checkEnviron(environ: Environ, check: RequestCheck): void {
  if (environ === null || typeof environ !== 'object' || Object.getPrototypeOf(environ) !== Object.prototype) {
    check.fail('WSGI-V1', `the environ is ${describe([environ])}, not a plain object`);
  }
  for (const key of REQUIRED) if (!(key in environ)) check.fail('WSGI-V2', `${key} is missing`);
  if (!environ.SCRIPT_NAME && !('PATH_INFO' in environ)) check.fail('WSGI-V2', 'PATH_INFO is missing and SCRIPT_NAME is empty');
  for (const key of Object.keys(environ)) if (!key.includes('.')) checkCgiValue(key, environ[key], check);
  checkCgiGrammar(environ, check);
  checkWsgiKeys(environ, check);
}

function checkCgiValue(key: string, value: unknown, check: RequestCheck): void {
  if (typeof value !== 'string' || !LATIN1.test(value)) {
    check.fail('WSGI-V3', `${key} is ${describe([value])}`);
    return;
  }
  if (key === 'HTTP_CONTENT_TYPE' || key === 'HTTP_CONTENT_LENGTH') check.fail('WSGI-V4', `${key} is set`);
  if (key.startsWith('HTTP_') && INJECTED.test(value)) check.fail('WSGI-V13', `${key} is ${JSON.stringify(value)}`);
}

function checkCgiGrammar(environ: Environ, check: RequestCheck): void {
  const { REQUEST_METHOD: method, SCRIPT_NAME: script = '', PATH_INFO: path = '' } = environ;
  if (!isToken(method)) check.fail('WSGI-V5', `REQUEST_METHOD is ${JSON.stringify(method)}`);
  const asterisk = path === '*' && method === 'OPTIONS' && script === '';
  if (script === '/' || (script !== '' && !script.startsWith('/')) || (path !== '' && !path.startsWith('/') && !asterisk)) {
    check.fail('WSGI-V6', `SCRIPT_NAME ${JSON.stringify(script)}, PATH_INFO ${JSON.stringify(path)}`);
  }
  const length = environ.CONTENT_LENGTH;
  if (length !== undefined && !DIGITS.test(length)) check.fail('WSGI-V7', `CONTENT_LENGTH is ${JSON.stringify(length)}`);
  // A unix socket has no port (eventlet reports '').
  if (environ.SERVER_PORT !== '' && !DIGITS.test(environ.SERVER_PORT)) {
    check.fail('WSGI-V7', `SERVER_PORT is ${JSON.stringify(environ.SERVER_PORT)}`);
  }
  if (!/^HTTP\/[0-9]\.[0-9]$/.test(environ.SERVER_PROTOCOL)) {
    check.fail('WSGI-V8', `SERVER_PROTOCOL is ${JSON.stringify(environ.SERVER_PROTOCOL)}`);
  }
}

function checkWsgiKeys(environ: Environ, check: RequestCheck): void {
  const version = environ['wsgi.version'];
  if (!Array.isArray(version) || version.length !== 2 || version[0] !== 1 || version[1] !== 0) {
    check.fail('WSGI-V9', `wsgi.version is ${describe([version])}`);
  }
  const scheme = environ['wsgi.url_scheme'];
  if (scheme !== 'http' && scheme !== 'https') check.fail('WSGI-V10', `wsgi.url_scheme is ${describe([scheme])}`);
  const missing = [
    ...missingMethods(environ['wsgi.input'], ['read', 'readline', 'readlines', Symbol.asyncIterator]),
    ...missingMethods(environ['wsgi.errors'], ['write', 'writelines', 'flush']),
  ];
  if (missing.length > 0) check.fail('WSGI-V11', `missing ${missing.join(', ')}`);
  for (const key of ['wsgi.multithread', 'wsgi.multiprocess', 'wsgi.run_once']) {
    if (typeof environ[key] !== 'boolean') check.fail('WSGI-V12', `${key} is ${describe([environ[key]])}`);
  }
  if (!Array.isArray(environ['eventlet.posthooks'])) check.fail('WSGI-V12', 'eventlet.posthooks is not a list');
  // evy's key is ours to add, not eventlet's: checked when there.
  const evy = environ['evy.posthooks'];
  if (evy !== undefined && !Array.isArray(evy)) check.fail('WSGI-V12', 'evy.posthooks is not a list');
}

function missingMethods(object: unknown, names: Array<string | symbol>): string[] {
  const target = (object ?? {}) as Record<string | symbol, unknown>;
  return names.filter((name) => typeof target[name] !== 'function').map(String);
}

const STATUS = /^([0-9]{3}) [^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;

function checkStatus(status: unknown, check: RequestCheck): number {
  const match = typeof status === 'string' ? STATUS.exec(status) : null;
  const code = match === null ? 0 : Number(match[1]);
  if (code < 100) check.fail('WSGI-V21', `got ${describe([status])}`);
  return code;
}

const HEADER_NAME = /^[A-Za-z][A-Za-z0-9\-_]*$/;
const HEADER_VALUE = /^[^\x00-\x08\x0a-\x1f\x7f\u0100-\uffff]*$/;

/** Check the header list; returns the declared Content-Length, or -1. */
function checkHeaders(headers: unknown, code: number, check: RequestCheck): number {
  if (!Array.isArray(headers)) {
    check.fail('WSGI-V22', `got ${describe([headers])}`);
    return -1;
  }
  let length = -1;
  let contentType = false;
  for (const pair of headers as unknown[]) {
    if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
      check.fail('WSGI-V22', `got the entry ${describe([pair])}`);
      continue;
    }
    const [name, value] = pair as [string, string];
    checkHeader(name, value, check);
    const lower = name.toLowerCase();
    if (lower === 'content-type') contentType = true;
    if (lower !== 'content-length') continue;
    if (!DIGITS.test(value)) check.fail('WSGI-V26', `Content-Length is ${JSON.stringify(value)}`);
    length = Number(value);
  }
  if (forbidsBody(code) && (length !== -1 || contentType)) {
    check.fail('WSGI-V26', `a ${code} response has a Content-Length or Content-Type`);
  }
  if (!forbidsBody(code) && !contentType) check.fail('WSGI-V27', `a ${code} response without Content-Type`);
  return length;
}

function checkHeader(name: string, value: string, check: RequestCheck): void {
  if (!HEADER_NAME.test(name) || /[-_]$/.test(name) || name.toLowerCase() === 'status') {
    check.fail('WSGI-V23', `header name ${JSON.stringify(name)}`);
  }
  if (!HEADER_VALUE.test(value)) check.fail('WSGI-V24', `value of ${name} is ${JSON.stringify(value)}`);
  if (HOP_BY_HOP.has(name.toLowerCase())) check.fail('WSGI-V25', `${name} is hop-by-hop`);
}

const forbidsBody = (code: number): boolean => code < 200 || code === 204 || code === 304;

type Read = (size?: number | null) => Promise<Buffer | Buffer[]>;

/** wsgi.input with its reads checked; everything else goes straight to the real one. */
function checkedInput<T extends object>(input: T, check: RequestCheck): T {
  return new Proxy(input, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      if (key !== 'read' && key !== 'readline' && key !== 'readlines') return value.bind(target);
      return async (...args: unknown[]) => {
        const size = args[0];
        if (size !== undefined && size !== null && !Number.isInteger(size)) {
          check.fail('WSGI-V54', `${key}() got the size ${describe([size])}`);
        }
        const result: unknown = await (value as Read).apply(target, args as [number]);
        checkRead(key, size as number | undefined, result, check);
        return result;
      };
    },
  });
}

function checkRead(method: string, size: number | null | undefined, result: unknown, check: RequestCheck): void {
  const parts = method === 'readlines' && Array.isArray(result) ? (result as unknown[]) : [result];
  if (!parts.every((part) => part instanceof Uint8Array)) {
    check.fail('WSGI-V53', `${method}() gave ${describe([result])}`);
  } else if (method !== 'readlines' && typeof size === 'number' && size >= 0 && (result as Uint8Array).length > size) {
    check.fail('WSGI-V53', `${method}(${size}) gave ${(result as Uint8Array).length} bytes`);
  }
}

interface ErrorStream {
  write(text: string): void;
  writelines(lines: Iterable<string>): void;
  flush(): void;
}

/** wsgi.errors taking text only, as the WSGI errors stream does. */
function checkedErrors(errors: ErrorStream, check: RequestCheck): ErrorStream {
  const text = (value: unknown): string => {
    if (typeof value !== 'string') check.fail('WSGI-V54', `wsgi.errors got ${describe([value])}`);
    return value as string;
  };
  return {
    write: (value) => errors.write(text(value)),
    writelines: (lines) => errors.writelines(Array.from(lines, text)),
    flush: () => errors.flush(),
  };
}

const isChunk = (value: unknown): boolean => typeof value === 'string' || value instanceof Uint8Array;

function isIterable(value: unknown): boolean {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return false;
  return typeof (value as Iterable<unknown>)[Symbol.iterator] === 'function' ||
    typeof (value as AsyncIterable<unknown>)[Symbol.asyncIterator] === 'function';
}

/** The values' types (and short values) for a message. */
const describe = (values: unknown[]): string => values.map(typeName).join(', ') || 'nothing';
