import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { responseOn } from '@wsgi-bridge/core/adapter';

const ignore = (): void => {};

/**
 * Where a server is in its life: `'serving'` until its listening socket is closed, then
 * `'stopping'` (accepting nothing, closing idle connections, finishing responses in flight).
 */
export type ServerState = 'serving' | 'stopping';

/**
 * The connections of one server: at most `maxSize` served at once (eventlet's GreenPool
 * size); past it accepted connections wait, unread, for a served one to close, as they
 * would in eventlet's accept backlog. Stopping drops the waiting ones and closes idle
 * ones; a connection with a response in flight closes when that response is done.
 */
export class Connections {
  readonly #http: Server;
  readonly #maxSize: number;
  readonly #serve: (socket: Socket) => void;
  readonly #served = new Set<Socket>();
  #waiting: Socket[] = [];
  #state: ServerState = 'serving';

  /** `serve` hands a connection to the HTTP server. */
  constructor(http: Server, maxSize: number, serve: (socket: Socket) => void) {
    this.#http = http;
    this.#maxSize = maxSize;
    this.#serve = serve;
  }

  /** Whether {@link stop} was called: responses then close their connections. */
  get stopping(): boolean {
    return this.#state === 'stopping';
  }

  /** A newly accepted connection: served now, or queued until a slot frees. */
  admit(socket: Socket): void {
    if (this.#state === 'stopping') {
      socket.destroy();
    } else if (this.#served.size < this.#maxSize) {
      this.#start(socket);
    } else {
      // A reset while waiting must not crash the process; the HTTP server handles errors after.
      socket.on('error', ignore);
      this.#waiting.push(socket);
    }
  }

  /**
   * Stop serving: no more connections, idle ones closed now, busy ones when their response
   * ends. Once only: a second call would wait on each busy response again.
   */
  stop(): void {
    if (this.#state === 'stopping') return;
    this.#state = 'stopping';
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting = [];
    this.#http.closeIdleConnections();
    for (const socket of this.#served) {
      // Node counts a connection as busy from its start (for its headers timeout): one that
      // has sent nothing yet is idle to eventlet, and closed.
      if (socket.bytesRead === 0) socket.destroy();
      // A response whose head went out before the stop said keep-alive: close after it.
      else this.#closeWhenIdle(socket);
    }
  }

  #start(socket: Socket): void {
    this.#served.add(socket);
    socket.once('close', () => {
      this.#served.delete(socket);
      this.#next();
    });
    this.#serve(socket);
  }

  #next(): void {
    while (this.#waiting.length > 0 && this.#served.size < this.#maxSize) {
      const socket = this.#waiting.shift()!;
      if (socket.destroyed) continue;
      socket.off('error', ignore);
      this.#start(socket);
    }
  }

  #closeWhenIdle(socket: Socket): void {
    const res = responseOn(socket);
    if (res === null) return;
    // setImmediate: Node marks the connection idle only after the response's close listeners ran.
    res.once('close', () => setImmediate(() => {
      if (responseOn(socket) === null) this.#http.closeIdleConnections();
      else this.#closeWhenIdle(socket);
    }));
  }
}
