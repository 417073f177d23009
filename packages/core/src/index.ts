/**
 * @wsgi-bridge/core: WSGI applications (PEP 3333 with eventlet's extensions) on Node.js.
 *
 * This entry is what an app author imports: the application contract's types, the
 * {@link validator}, the errors, and {@link createWsgiHandler}. What only a front end
 * needs (sinks, body sources, client-error answers) is in `@wsgi-bridge/core/adapter`.
 */
export { createWsgiHandler } from './handler.js';
export type { HandlerOptions, MountContext, RequestOutcome, WsgiHandler } from './handler.js';
export type { RequestContext } from './environ.js';
export type { WsgiInput } from './input.js';
export type { WsgiErrors } from './errors-stream.js';
export type { FileLike, FileWrapper, FileWrapperFactory } from './file-wrapper.js';
export { WsgiError, codes, type WsgiErrorCode } from './errors.js';
export { validator, ValidationError, validationRules, type ValidationRule, type ValidatorOptions } from './validator.js';
export { formatDateTime } from './http-date.js';
export type {
  Body, Chunk, Environ, ErrorLog, HeaderList, PostHook, StartResponse, Write, WsgiApp, WsgiOptions,
} from './types.js';
