import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { responseOn } from '@wsgi-bridge/core';

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

  /** A request arrived: socket_timeout applies until its response is sent, then keepalive again. */
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

/** Whether the inactivity Node reports on `socket` is a socket operation eventlet would have timed out. */
export function timedOut(socket: Socket): boolean {
  const res = responseOn(socket);
  if (res === null) return true; // waiting for a request line or its headers
  return !res.req.complete || socket.writableLength > 0;
}
