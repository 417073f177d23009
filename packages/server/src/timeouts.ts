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
  /** A response's 'finish' listener, made once: its connection may idle keepalive seconds again. */
  readonly #backToIdle: (this: ServerResponse) => void;

  /**
   * Configure `http`: Node sets the timer of each connection it is handed, so a new
   * connection waits keepalive seconds for its first request (socket_timeout without them).
   */
  constructor(http: Server, idleSeconds: number, socketMs: number) {
    const idleMs = idleSeconds * 1000;
    this.#idleMs = idleMs;
    this.#socketMs = socketMs;
    this.#backToIdle = function (this: ServerResponse): void {
      this.req.socket.setTimeout(idleMs);
    };
    http.timeout = idleMs > 0 ? idleMs : socketMs;
    // Node's own keep-alive timer adds a second to what it is given; the idle wait is ours.
    http.keepAliveTimeout = 0;
  }

  /** A request arrived: socket_timeout applies until its response is sent, then keepalive again. */
  requestStarted(socket: Socket, res: ServerResponse): void {
    if (this.#idleMs === 0) return;
    socket.setTimeout(this.#socketMs);
    res.once('finish', this.#backToIdle);
  }
}

/** Whether the inactivity Node reports on `socket` is a socket operation eventlet would have timed out. */
export function timedOut(socket: Socket): boolean {
  const res = responseOn(socket);
  if (res === null) return true; // waiting for a request line or its headers
  return !res.req.complete || socket.writableLength > 0;
}
