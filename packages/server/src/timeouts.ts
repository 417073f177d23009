import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { responseOn } from './connections.js';

/**
 * eventlet's socket_timeout and numeric keepalive, on Node's per-socket inactivity timer.
 * eventlet times out socket operations: waiting for a request line (keepalive seconds, the
 * first request included), for headers or body bytes, or for a client to take the response
 * (socket_timeout). An app busy computing is not a socket operation and is left alone.
 */
export class Timeouts {
  readonly #idleMs: number;
  readonly #socketMs: number;

  /** Configure `http` (Node applies socketMs to each connection, idleMs between requests). */
  constructor(http: Server, idleSeconds: number, socketMs: number) {
    this.#idleMs = idleSeconds * 1000;
    this.#socketMs = socketMs;
    http.timeout = socketMs;
    http.keepAliveTimeout = this.#idleMs;
  }

  /** A connection was handed to the HTTP server: its first request line gets the keepalive time too. */
  accepted(socket: Socket): void {
    if (this.#idleMs > 0) socket.setTimeout(this.#idleMs);
  }

  /** A request arrived: from now on socket_timeout applies (Node resets it itself after a keep-alive wait). */
  requestStarted(socket: Socket): void {
    if (this.#idleMs > 0 && socket.timeout !== this.#socketMs) socket.setTimeout(this.#socketMs);
  }
}

/** Whether the inactivity Node reports on `socket` is a socket operation eventlet would have timed out. */
export function timedOut(socket: Socket): boolean {
  const res = responseOn(socket);
  if (res === null) return true; // waiting for a request line or its headers
  return !res.req.complete || socket.writableLength > 0;
}
