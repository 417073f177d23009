import type { WsgiErrors } from './errors-stream.js';
import type { FileWrapperFactory } from './file-wrapper.js';
import type { WsgiInput } from './input.js';

/** A piece of response body. Strings are sent as UTF-8. */
export type Chunk = string | Uint8Array;

/** What an app returns: a sync or async iterable of chunks, optionally with `close()`. */
export type Body = (Iterable<Chunk> | AsyncIterable<Chunk>) & { close?: () => unknown };

/** The `write()` callable returned by `start_response`; awaiting it gives backpressure. */
export type Write = (chunk: Chunk) => void | Promise<void>;

/** Response headers as WSGI has them: a list of `[name, value]` pairs, in order. */
export type HeaderList = Array<[string, string]>;

/** PEP 3333's `start_response(status, headers, exc_info?)`. */
export type StartResponse = (status: string, headers: HeaderList, excInfo?: unknown) => Write;

/** A WSGI application: `app(environ, start_response)` returning the body. */
export type WsgiApp = (environ: Environ, startResponse: StartResponse) => Body | Promise<Body>;

/** A post hook: `[fn, args?, kwargs?]`, called as `fn(environ, ...args, kwargs)` after the response. */
export type PostHook = [
  fn: (environ: Environ, ...args: any[]) => unknown,
  args?: readonly unknown[] | null,
  kwargs?: Record<string, unknown> | null,
];

/** The per-request environ: CGI keys, `wsgi.*` keys, eventlet's keys and any extras. */
export interface Environ {
  REQUEST_METHOD: string;
  SCRIPT_NAME: string;
  PATH_INFO: string;
  RAW_PATH_INFO: string;
  QUERY_STRING: string;
  CONTENT_TYPE?: string;
  CONTENT_LENGTH?: string;
  SERVER_NAME: string;
  SERVER_PORT: string;
  SERVER_PROTOCOL: string;
  REMOTE_ADDR: string;
  REMOTE_PORT: string;
  GATEWAY_INTERFACE: 'CGI/1.1';
  HTTPS?: 'on';
  'wsgi.version': readonly [1, 0];
  'wsgi.url_scheme': 'http' | 'https';
  'wsgi.input': WsgiInput;
  'wsgi.errors': WsgiErrors;
  'wsgi.multithread': boolean;
  'wsgi.multiprocess': boolean;
  'wsgi.run_once': boolean;
  /** PEP 3333's optional file wrapper: `return environ['wsgi.file_wrapper'](await open(path), blockSize?)`. */
  'wsgi.file_wrapper': FileWrapperFactory;
  'eventlet.input': WsgiInput;
  /** Run after the response is sent or the client went away: push `[fn, args?, kwargs?]`. */
  'eventlet.posthooks': PostHook[];
  /** evy's name for the very same list as `eventlet.posthooks`. */
  'evy.posthooks': PostHook[];
  /** Set by the app to override the server's minimum chunk size for this response. */
  'eventlet.minimum_write_chunk_size'?: number | string;
  [key: string]: unknown;
}

/** Where the runtime writes `wsgi.errors` output and its own error reports. */
export type ErrorLog = (message: string) => void;

/** Options shared by every front end. */
export interface WsgiOptions {
  /** Extra keys merged into every environ (CGI keys always win). */
  environ?: Record<string, unknown>;
  /** Put the traceback in the body of a 500. Default `false` (the standalone server defaults to `true`, as eventlet). */
  debug?: boolean;
  /** Coalesce body chunks until this many bytes are buffered (eventlet's default 4096; 0 turns it off). */
  minimumChunkSize?: number;
  /** Capitalize each `-`-separated part of response header names (`content-type` → `Content-Type`). Default `true`. */
  capitalizeResponseHeaders?: boolean;
  /** Where `wsgi.errors` and error reports go. Default: standard error. */
  errors?: ErrorLog;
}
