import { inspect } from 'node:util';

/** Every error the runtime raises carries one of these codes. */
export const codes = {
  WSGI_ERR_STATUS: 'invalid status',
  WSGI_ERR_HEADERS: 'invalid response headers',
  WSGI_ERR_HEADERS_SET: 'start_response called twice without exc_info',
  WSGI_ERR_NO_START_RESPONSE: 'the app did not call start_response',
  WSGI_ERR_WRITE_BEFORE_START: 'write() called before start_response',
  WSGI_ERR_CLIENT_GONE: 'client disconnected',
  WSGI_ERR_BODY: 'invalid response body',
  WSGI_ERR_CHUNK: 'invalid body chunk',
  WSGI_ERR_CONTENT_LENGTH: 'body does not match Content-Length',
  WSGI_ERR_INPUT_TRUNCATED: 'request body truncated',
  WSGI_ERR_INPUT_TIMEOUT: 'timed out reading the request body',
  WSGI_ERR_INPUT_MALFORMED: 'malformed chunked request body',
  WSGI_ERR_INPUT_ARGUMENT: 'invalid wsgi.input argument',
  WSGI_ERR_POSTHOOK: 'invalid post hook',
  WSGI_ERR_PARSED_BODY: 'request body already parsed',
  WSGI_ERR_VALIDATION: 'WSGI validation failed',
} as const;

export type WsgiErrorCode = keyof typeof codes;

/** An error raised by the WSGI runtime: `code` names the rule, `message` says what broke it. */
export class WsgiError extends Error {
  readonly code: WsgiErrorCode;
  constructor(code: WsgiErrorCode, detail: string, options?: ErrorOptions) {
    super(`${codes[code]}: ${detail}`, options);
    this.name = 'WsgiError';
    this.code = code;
  }
}

/** Text for a log line: the stack when there is one, else the value itself. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.stack ?? `${err.name}: ${err.message}`;
  return `Uncaught non-error value: ${String(err)}`;
}

/** An app's throw as an Error, for APIs that take nothing else (Express's next, Fastify's reply.send). */
export function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(`the WSGI app threw ${inspect(err)}`, { cause: err });
}
