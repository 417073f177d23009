/**
 * @wsgi-bridge/core/adapter: the plumbing a front end builds on, kept apart from what an
 * app author imports (`@wsgi-bridge/core`). A front end turns its framework's request into
 * `(IncomingMessage, ServerResponse, MountContext)` and hands it to a handler made by
 * {@link createWsgiHandler}; the rest of this entry answers what that leaves to it.
 * A front end with no Node request (the Fetch API's) drives the layer under that handler
 * itself: an {@link ExchangeRunner}, an environ from {@link requestEnviron}, a
 * {@link WsgiInput} over its own {@link BodySource}, and its own {@link ResponseSink}.
 */
export { createWsgiHandler, DEFAULT_MINIMUM_CHUNK_SIZE } from './handler.js';
export { ExchangeRunner } from './exchange-runner.js';
export type { RequestLine } from './request-line.js';
export { requestEnviron, splitTarget, type EnvironDefaults } from './environ.js';
export type { HandlerOptions, MountContext, RequestOutcome, WsgiHandler } from './handler.js';
export type { RequestContext } from './environ.js';
export type { ResponseSink } from './sink.js';
export type { ResponseHead } from './start-response.js';
export type { BodySource } from './body-source.js';
export { toBuffer } from './response.js';
export { unquoteLatin1 } from './environ.js';
export { WsgiInput } from './input.js';
export { failWaitingRead } from './body-source.js';
export { deferContinue } from './hundred-continue.js';
export { answerClientError, BAD_REQUEST, clientErrorHandler, prepareHostServer, refuse, responseOn } from './client-errors.js';
export { capitalizeHeaderName, hasTwoHosts, lowercaseHeaderName } from './headers.js';
export { WsgiErrors, stderrLog } from './errors-stream.js';
export { describeError, toError } from './errors.js';
export { hasPosthooks } from './posthooks.js';
export { cutOff, groupHeaders, responseDone } from './server-response.js';
export { httpDate } from './http-date.js';
