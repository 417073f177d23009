import net from 'node:net';

/** An address as eventlet takes it: `[host, port]` (host `''` for every interface), a port, or a Unix socket path. */
export type ListenAddress = readonly [host: string, port: number] | number | string;

/**
 * eventlet's `listen(addr, backlog=50)`: a listening socket to hand to {@link server}.
 * Listening starts now; `server()` waits for it if it has not finished.
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
