import type { Socket } from 'node:net';
import { responseOn } from '@wsgi-bridge/core/adapter';

const ignore = (): void => {};

/**
 * How long a stopping server leaves an idle connection open. A keep-alive client may have
 * sent its next request already (it is on the wire, or unread in the kernel): closing at
 * once would lose it. One that arrives within this time is answered with
 * `Connection: close`; a connection silent for this long is closed.
 */
const IDLE_GRACE_MS = 500;

/**
 * Where a server is in its life: `'serving'` until its listening socket is closed, then
 * `'stopping'` (accepting nothing, closing idle connections, finishing responses in flight).
 */
export type ServerState = 'serving' | 'stopping';

/**
 * The connections of one server: at most `maxSize` served at once (eventlet's GreenPool
 * size); past it accepted connections wait, unread, for a served one to close, as they
 * would in eventlet's accept backlog. Stopping drops the waiting ones and closes idle
 * ones after a short grace; a connection with a response in flight closes when that
 * response is done.
 */
export class Connections {
  readonly #maxSize: number;
  readonly #serve: (socket: Socket) => void;
  readonly #served = new Set<Socket>();
  #waiting: Socket[] = [];
  #state: ServerState = 'serving';

  /** `serve` hands a connection to the HTTP server. */
  constructor(maxSize: number, serve: (socket: Socket) => void) {
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
   * Stop serving: no more connections; each served one closes after its response in flight
   * (that response says `Connection: close` unless its head went out before the stop), or,
   * when idle, after the request it may already have sent, or after a short grace. Once
   * only: a second call would wait on each connection again.
   */
  stop(): void {
    if (this.#state === 'stopping') return;
    this.#state = 'stopping';
    for (const socket of this.#waiting) socket.destroy();
    this.#waiting = [];
    for (const socket of this.#served) this.#closeWhenIdle(socket);
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
    if (res !== null) {
      // setImmediate: Node detaches the response only after its close listeners ran.
      res.once('close', () => setImmediate(() => this.#closeWhenIdle(socket)));
      return;
    }
    const grace = setTimeout(() => {
      if (responseOn(socket) === null) socket.destroy();
      else this.#closeWhenIdle(socket);
    }, IDLE_GRACE_MS);
    socket.once('close', () => clearTimeout(grace));
  }
}
