import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WsgiOptions } from '@wsgi-bridge/core';

/**
 * The parts of an Express request that {@link wsgiMount} reads. Express 4's and Express 5's
 * `Request` both fit, so neither version's type package is needed to use the middleware.
 */
export interface ExpressRequest extends IncomingMessage {
  /** The path the router matched on the way here, undecoded: SCRIPT_NAME. */
  baseUrl: string;
  /** The request target as the client sent it, before routers stripped prefixes. */
  originalUrl: string;
  /** What a body parser left, if one ran: a Buffer, a string, an object, or nothing. */
  body?: unknown;
  /** The Express app (or sub-app) handling the request; its `trust proxy` setting is read. */
  app: { get(setting: string): unknown };
  /** Whether the request came over HTTPS, as Express's `trust proxy` setting sees it. */
  secure: boolean;
  /** The client's address, as Express's `trust proxy` setting sees it. */
  ip?: string | undefined;
  /** The host name the client asked for, as Express's `trust proxy` setting sees it. */
  hostname?: string | undefined;
}

/** Express's `next`: pass control on, or an error to the error handlers. */
export type NextFunction = (err?: unknown) => void;

/** The middleware {@link wsgiMount} returns: for `app.use()`, a `Router`, or a route. */
export type WsgiMiddleware = (req: ExpressRequest, res: ServerResponse, next: NextFunction) => void;

/**
 * Options of {@link wsgiMount}: the core's shared options. There is no `debug`: an app
 * error goes to `next(err)`, so Express's error handler decides what the 500 shows
 * (its default one shows the stack unless `NODE_ENV` is `production`).
 */
export type WsgiMountOptions = Omit<WsgiOptions, 'debug'>;
