import { EventEmitter } from 'node:events';
import { readFileSync } from 'node:fs';
import type net from 'node:net';
import tls from 'node:tls';

/** eventlet's `wrap_ssl(sock, certfile=, keyfile=, server_side=True)`, in camelCase. */
export interface SslOptions {
  /** PEM certificate chain file. Like Python's ssl, it may hold the private key as well. */
  certfile: string;
  /** PEM private key file. Default: the key inside `certfile`. */
  keyfile?: string;
  /** Must be true (the default): a listening socket is the server side of its connections. */
  serverSide?: boolean;
  /** Further node:tls server options (ca, requestCert, ciphers, minVersion, ...), applied last. */
  tls?: tls.TlsOptions;
}

/**
 * A listening socket whose connections speak TLS: what {@link wrapSsl} returns and
 * {@link server} serves. The plain socket underneath still accepts; each connection is
 * handshaken by a node:tls server that never listens itself, then emitted as `'connection'`
 * (a `tls.TLSSocket`, so the environ says `wsgi.url_scheme` 'https' and `HTTPS` 'on').
 *
 * Events: `'listening'`, `'connection'` (after the handshake), `'close'`, `'error'` (the
 * plain socket's), and `'tlsClientError'` (a failed handshake; its socket is destroyed).
 */
export class SslSocket extends EventEmitter {
  /** The plain listening socket underneath. */
  readonly sock: net.Server;
  readonly #tls: tls.Server;

  constructor(sock: net.Server, options: tls.TlsOptions) {
    super();
    this.sock = sock;
    this.#tls = tls.createServer(options);
    this.#tls.on('secureConnection', (socket: tls.TLSSocket) => this.emit('connection', socket));
    this.#tls.on('tlsClientError', (err: Error, socket: tls.TLSSocket) => {
      this.emit('tlsClientError', err, socket);
      socket.destroy();
    });
    sock.on('connection', (socket: net.Socket) => this.#tls.emit('connection', socket));
    sock.on('listening', () => this.emit('listening'));
    sock.on('close', () => this.emit('close'));
    sock.on('error', (err: Error) => this.emit('error', err));
  }

  /** Whether the plain socket is listening. */
  get listening(): boolean {
    return this.sock.listening;
  }

  /** The plain socket's address. */
  address(): net.AddressInfo | string | null {
    return this.sock.address();
  }

  /** Close the plain socket: no new connections; `'close'` once the last one has ended. */
  close(callback?: (err?: Error) => void): this {
    this.sock.close(callback);
    return this;
  }
}

/**
 * eventlet's `wrap_ssl`: `server(wrapSsl(listen(['', 8443]), { certfile, keyfile }), app)`
 * serves HTTPS. The files are read now, so a bad path or key fails here, not per connection.
 */
export function wrapSsl(sock: net.Server, options: SslOptions): SslSocket {
  if (options.serverSide === false) {
    throw new TypeError('wrapSsl wraps a listening socket, the server side; for a TLS client use node:tls connect()');
  }
  const cert = readFileSync(options.certfile);
  const key = options.keyfile === undefined ? cert : readFileSync(options.keyfile);
  return new SslSocket(sock, { cert, key, ...options.tls });
}
