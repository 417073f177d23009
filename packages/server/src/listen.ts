import type { EventEmitter } from 'node:events';
import net from 'node:net';

/** An address as eventlet takes it: `[host, port]` (host `''` for every interface), a port, or a Unix socket path. */
export type ListenAddress = readonly [host: string, port: number] | number | string;

/**
 * What {@link server} serves: a socket from {@link listen}, or one wrapped by `wrapSsl`.
 * It emits `'connection'` for each accepted socket, `'listening'`, `'close'` and `'error'`.
 */
export interface ListeningSocket extends EventEmitter {
  readonly listening: boolean;
  address(): net.AddressInfo | string | null;
  close(callback?: (err?: Error) => void): unknown;
}

/**
 * eventlet's `listen(addr, backlog=50)`: a listening socket to hand to {@link server}.
 * Listening starts now; `server()` waits for it if it has not finished. A Unix socket
 * path is removed again when the socket closes.
 */
export function listen(addr: ListenAddress, backlog = 50): net.Server {
  const sock = net.createServer({ noDelay: true });
  if (typeof addr === 'string') {
    sock.listen({ path: addr, backlog });
  } else {
    const [host, port] = typeof addr === 'number' ? ['0.0.0.0', addr] : addr;
    sock.listen({ host: host === '' ? '0.0.0.0' : host, port, backlog });
  }
  return sock;
}
