// HTTPS, as in the SSL section of eventlet's WSGI documentation:
//
//   wsgi.server(eventlet.wrap_ssl(eventlet.listen(('', 8090)),
//                                 certfile='cert.crt',
//                                 keyfile='private.key',
//                                 server_side=True),
//               hello_world)
//
// A throwaway self-signed certificate for localhost is made at start with the openssl
// command line (none is committed) and deleted on exit. HOST and PORT (default 8443) set
// the address; SIGTERM or Ctrl-C stops it gracefully.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listen, server, wrapSsl, type WsgiApp } from '@wsgi-bridge/server';

// An app can tell it is behind TLS from wsgi.url_scheme (and HTTPS, 'on').
const helloWorld: WsgiApp = (env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`Hello, World! (over ${env['wsgi.url_scheme']})\r\n`];
};

const dir = mkdtempSync(join(tmpdir(), 'wsgi-bridge-ssl-'));
const certfile = join(dir, 'cert.crt');
const keyfile = join(dir, 'private.key');
execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-subj', '/CN=localhost',
  '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', keyfile, '-out', certfile], { stdio: 'ignore' });

const sock = wrapSsl(listen([process.env.HOST ?? '', Number(process.env.PORT ?? 8443)]), { certfile, keyfile, serverSide: true });
sock.once('listening', () => {
  const { port } = sock.address() as AddressInfo;
  console.log(`try: curl --cacert ${certfile} https://localhost:${port}/`);
});
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
try {
  await server(sock, helloWorld);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
