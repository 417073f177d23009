import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { WsgiError } from '@wsgi-bridge/core';
import { failWaitingRead, responseOn } from '@wsgi-bridge/core/adapter';

/**
 * eventlet's socket_timeout and numeric keepalive, on Node's per-socket inactivity timer.
 * eventlet times out socket operations: waiting for a request line (keepalive seconds, the
 * first request included), for headers or body bytes, or for a client to take the response
 * (socket_timeout). An app busy computing is not a socket operation and is left alone.
 */
export class Timeouts {
  readonly #idleMs: number;
  readonly #socketMs: number;
  /** A response's 'finish' listener, made once: see {@link afterResponse}. */
  readonly #afterResponse: (this: ServerResponse) => void;

  /**
   * Configure `http`: Node sets the timer of each connection it is handed, so a new
   * connection waits keepalive seconds for its first request (socket_timeout without them).
   */
  constructor(http: Server, idleSeconds: number, socketMs: number) {
    const idleMs = idleSeconds * 1000;
    this.#idleMs = idleMs;
    this.#socketMs = socketMs;
    this.#afterResponse = function (this: ServerResponse): void {
      afterResponse(this.req.socket, idleMs, socketMs);
    };
    http.timeout = idleMs > 0 ? idleMs : socketMs;
    // Node's own keep-alive timer adds a second to what it is given; the idle wait is ours.
    http.keepAliveTimeout = 0;
  }

  /** A request arrived: socket_timeout applies until its response is sent, then see {@link afterResponse}. */
  requestStarted(socket: Socket, res: ServerResponse): void {
    if (this.#idleMs === 0) return;
    socket.setTimeout(this.#socketMs);
    res.once('finish', this.#afterResponse);
  }
}

/**
 * A response is done. Node parses pipelined requests while an earlier one is answered, and
 * hands the socket to the next response before this runs: while one is in flight, its
 * socket operations get socket_timeout afresh (eventlet would only now start on it); only
 * after the last does the connection wait keepalive seconds for a request line.
 */
function afterResponse(socket: Socket, idleMs: number, socketMs: number): void {
  socket.setTimeout(responseOn(socket) === null ? idleMs : socketMs);
}

/** The socket operation that waited, when Node reports a connection quiet for its timeout. */
export type Stall = 'request' | 'body' | 'response';

/**
 * What waited on `socket` when Node reported it quiet: a request line or headers, body bytes,
 * or a client taking the response. Null when none did: the app is busy, which eventlet leaves alone.
 */
export function stalled(socket: Socket): Stall | null {
  const res = responseOn(socket);
  if (res === null) return 'request';
  if (socket.writableLength > 0) return 'response';
  return res.req.complete ? null : 'body';
}

/**
 * socket_timeout while the request body stalls. In eventlet the app's read raises and the
 * app answers: a 500 when it lets the error through. So here the read waiting in
 * wsgi.input fails (WSGI_ERR_INPUT_TIMEOUT), the connection stays open for the answer,
 * and closes after it. Returns whether a read was waiting: if not, the app is busy, which
 * eventlet's timer leaves alone, and nothing has timed out.
 */
export function failBodyRead(socket: Socket): boolean {
  const res = responseOn(socket);
  if (res === null) return false;
  const ms = socket.timeout ?? 0;
  // Node's timer fires once per quiet spell: restart it, so a read begun later times out too.
  socket.setTimeout(ms);
  // The timer also fires while the app is busy with no read waiting: build the error only for a read.
  const timedOut = (): WsgiError => new WsgiError('WSGI_ERR_INPUT_TIMEOUT', `no request body bytes for ${ms / 1000} s (socketTimeout)`);
  if (!failWaitingRead(res.req, timedOut)) return false;
  // The rest of the body may never come: no next request here. (A head already sent keeps
  // its word; Node then discards the rest of the body, still under the socket's timer.)
  res.shouldKeepAlive = false;
  return true;
}
