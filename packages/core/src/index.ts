/**
 * @wsgi-bridge/core: WSGI applications (PEP 3333 with eventlet's extensions) on Node.js.
 * Front ends hand `(IncomingMessage, ServerResponse, context)` to a handler made by
 * {@link createWsgiHandler}.
 */
export { createWsgiHandler, DEFAULT_MINIMUM_CHUNK_SIZE } from './handler.js';
export type { HandlerOptions, MountContext, RequestOutcome, WsgiHandler } from './handler.js';
export type { RequestContext } from './environ.js';
export type { ResponseSink } from './sink.js';
export type { ResponseHead } from './start-response.js';
export { toBuffer } from './response.js';
export { unquoteLatin1 } from './environ.js';
export { WsgiInput } from './input.js';
export { failWaitingRead } from './body-source.js';
export { deferContinue } from './hundred-continue.js';
export { answerClientError, BAD_REQUEST, clientErrorHandler, prepareHostServer, refuse, responseOn } from './client-errors.js';
export { hasTwoHosts } from './headers.js';
export { WsgiErrors, stderrLog } from './errors-stream.js';
export { WsgiError, codes, describeError, toError } from './errors.js';
export { cutOff, groupHeaders, responseDone } from './server-response.js';
export { validator, ValidationError, validationRules, type ValidationRule, type ValidatorOptions } from './validator.js';
export type { WsgiErrorCode } from './errors.js';
export { formatDateTime, httpDate } from './http-date.js';
export { capitalizeHeaderName, lowercaseHeaderName } from './headers.js';
export type {
  Body, Chunk, Environ, ErrorLog, HeaderList, PostHook, StartResponse, Write, WsgiApp, WsgiOptions,
} from './types.js';
