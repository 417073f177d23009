import { WsgiError } from '@wsgi-bridge/core';
import type { ExpressRequest } from './types.js';

/**
 * What wsgi.input serves: `undefined` to stream the request as it arrives, or the Buffer
 * or string a body parser left (express.raw, express.text).
 *
 * @throws WsgiError `WSGI_ERR_PARSED_BODY` when earlier middleware read the body and left
 * something else (express.json's object): the bytes the app would read are gone.
 */
export function bodyForInput(req: ExpressRequest): Buffer | string | undefined {
  const body = req.body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) return body;
  // Express 4's parsers set `req.body = {}` on requests they skip: only a read stream counts.
  if (!wasRead(req)) return undefined;
  const mount = req.baseUrl === '' ? '' : `'${req.baseUrl}', `;
  throw new WsgiError('WSGI_ERR_PARSED_BODY', `earlier middleware read the request body and left ${kindOf(body)} in req.body, ` +
    'not the bytes a WSGI app reads. Mount the WSGI app before the body parser, for example ' +
    `app.use(${mount}wsgiMount(app)) ahead of app.use(express.json()), or give the parser a path or a \`type\` that skips these requests.`);
}

/** Whether the request's body was read off the stream by someone else. */
function wasRead(req: ExpressRequest): boolean {
  // body-parser 1 (Express 4) flags what it parsed; whatever else read the stream ended it.
  // The flags first: reading req.headers builds the header object, which most requests never need.
  return ((req as { _body?: unknown })._body === true || req.readableEnded) && hasBody(req);
}

/** Whether the request carries a body at all (an empty one loses nothing when read). */
function hasBody(req: ExpressRequest): boolean {
  const headers = req.headers;
  const length = headers['content-length'];
  return headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** What was left, by kind only: a parsed form may hold a password, and error messages get shown. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : typeof value;
}
