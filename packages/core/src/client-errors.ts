import { STATUS_CODES, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { deferContinue } from './hundred-continue.js';

/**
 * Bad bytes from a client, once Node's parser has given up on them: what every front end
 * answers, on a server of its own or on the framework's.
 */

/** The response Node's HTTP server is writing on `socket` (its `_httpMessage`), or null when none is. */
export function responseOn(socket: Socket): ServerResponse | null {
  return (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? null;
}

/** Send a refusal straight onto the socket (raw bytes: any status line) and close; null closes silently. */
export function refuse(socket: Socket, reply: string | null): void {
  if (reply === null || !socket.writable) {
    socket.destroy();
    return;
  }
  socket.end(reply, 'latin1', () => socket.destroy());
}

/**
 * Answer a client error on `socket`. Bad bytes pipelined behind a complete request leave
 * its response to go out, then the connection closes (a reply after it would corrupt it,
 * and the parser reads no more). Otherwise `reply` goes out, when no response has begun.
 */
export function answerClientError(socket: Socket, reply: string | null): void {
  const res = responseOn(socket);
  if (res !== null && res.req.complete) {
    res.shouldKeepAlive = false; // Connection: close, if the head has not gone out yet
    res.once('close', () => socket.destroySoon());
    return;
  }
  refuse(socket, res === null ? reply : null);
}

const reply = (status: number): string =>
  `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`;

/** A 400 with Connection: close, as raw bytes for {@link refuse}. */
export const BAD_REQUEST = reply(400);

/** What Node's default 'clientError' handling answers, by the parser's error code (else a 400). */
const NODE_REPLIES = new Map<string | undefined, string | null>([
  ['ECONNRESET', null],
  ['EPIPE', null],
  ['HPE_HEADER_OVERFLOW', reply(431)],
  ['HPE_CHUNK_EXTENSIONS_OVERFLOW', reply(413)],
  ['ERR_HTTP_REQUEST_TIMEOUT', reply(408)],
]);

/**
 * A 'clientError' listener: Node's own answers to bad requests, except that a response in
 * flight is finished first. Node's default writes its 400 over that response, and a request
 * the client sent in good order is lost. Fastify takes it as its `clientErrorHandler` option.
 */
export function clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket): void {
  const known = NODE_REPLIES.get(err.code);
  answerClientError(socket, known === undefined ? BAD_REQUEST : known);
}

const keeping = new WeakSet<Server>();

/**
 * What a mount does to the http.Server it runs on but does not own (Express's, Fastify's):
 * defers its "100 Continue" ({@link deferContinue}), and installs {@link clientErrorHandler}
 * when the server has no 'clientError' listener (Fastify has its own); that one stands aside
 * if the application adds a listener later. Idempotent.
 */
export function prepareHostServer(server: Server): void {
  deferContinue(server);
  if (keeping.has(server)) return;
  keeping.add(server);
  if (server.listenerCount('clientError') > 0) return;
  server.on('clientError', function keepInFlight(err: NodeJS.ErrnoException, socket: Socket) {
    if (server.listenerCount('clientError') > 1) {
      // The application's own handler answers; this one leaves for good.
      server.off('clientError', keepInFlight);
      return;
    }
    clientErrorHandler(err, socket);
  });
}
