// wrapSsl: HTTPS as in eventlet's SSL section, checked with Node's https client and curl --cacert.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { Agent, get } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect } from 'node:tls';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen, server, wrapSsl, type SslSocket, type WsgiApp } from '@wsgi-bridge/server';
import { selfSignedCertificate, type Certificate } from './helpers/certificate.js';
import { runExample } from './helpers/example.js';
import { RawClient } from './helpers/raw.js';

const scheme: WsgiApp = (env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`${env['wsgi.url_scheme']} ${String(env.HTTPS)} ${env.REMOTE_ADDR}`];
};

let cert: Certificate;
let ca: Buffer;
beforeAll(async () => {
  cert = await selfSignedCertificate();
  ca = await readFile(cert.certfile);
});
afterAll(async () => {
  await rm(cert.dir, { recursive: true });
});

interface TlsServer {
  sock: SslSocket;
  port: number;
  log: string[];
  done: Promise<void>;
}

async function serveTls(files: { certfile: string; keyfile?: string } = cert): Promise<TlsServer> {
  const log: string[] = [];
  const sock = wrapSsl(listen(['127.0.0.1', 0]), { ...files, serverSide: true });
  const done = server(sock, scheme, { log: { write: (text: string) => log.push(text) } });
  await new Promise((resolve) => sock.once('listening', resolve));
  return { sock, port: (sock.address() as AddressInfo).port, log, done };
}

function httpsGet(port: number, agent?: Agent): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/', ca, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

describe('wrapSsl', () => {
  it("serves HTTPS to Node's https client: url_scheme https, HTTPS on", async () => {
    const tls = await serveTls();
    expect(await httpsGet(tls.port)).toBe('https on 127.0.0.1');
    tls.sock.close();
    await tls.done;
    expect(tls.log[0]).toBe(`(${process.pid}) wsgi starting up on https://127.0.0.1:${tls.port}\n`);
  });

  it('serves curl --cacert, by address and by name', async () => {
    const tls = await serveTls();
    const curl = (url: string): Promise<{ stdout: string }> =>
      promisify(execFile)('curl', ['--silent', '--show-error', '--cacert', cert.certfile, url]);
    expect((await curl(`https://127.0.0.1:${tls.port}/`)).stdout).toBe('https on 127.0.0.1');
    const byName = await promisify(execFile)('curl', ['--silent', '--show-error', '--cacert', cert.certfile,
      '--resolve', `localhost:${tls.port}:127.0.0.1`, `https://localhost:${tls.port}/`]);
    expect(byName.stdout).toBe('https on 127.0.0.1');
    tls.sock.close();
    await tls.done;
  });

  it('takes a certfile that holds the key too, as Python does', async () => {
    const both = join(cert.dir, 'both.pem');
    await writeFile(both, Buffer.concat([await readFile(cert.keyfile), await readFile(cert.certfile)]));
    const tls = await serveTls({ certfile: both });
    expect(await httpsGet(tls.port)).toBe('https on 127.0.0.1');
    tls.sock.close();
    await tls.done;
  });

  it('survives a client that does not speak TLS, and keeps serving', async () => {
    const tls = await serveTls();
    const plain = await RawClient.connect(tls.port);
    plain.write('GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(await plain.closesWithin(2000)).toBe(true);
    expect(tls.log.join('')).toMatch(/\(\d+\) TLS handshake failed \('127\.0\.0\.1', \d+\): /);
    expect(await httpsGet(tls.port)).toBe('https on 127.0.0.1');
    tls.sock.close();
    await tls.done;
  });

  it('stops gracefully: an idle keep-alive TLS connection is closed and server() resolves', async () => {
    const tls = await serveTls();
    const agent = new Agent({ keepAlive: true, ca });
    expect(await httpsGet(tls.port, agent)).toBe('https on 127.0.0.1');
    expect(Object.keys(agent.freeSockets)).toHaveLength(1);
    tls.sock.sock.close(); // the plain socket inside stops it as well
    await tls.done;
    agent.destroy();
  });

  it('stops gracefully with a connection that finished its handshake but sent no request', async () => {
    const tls = await serveTls();
    const idle = connect({ host: '127.0.0.1', port: tls.port, ca, servername: 'localhost' });
    await new Promise((resolve) => idle.once('secureConnect', resolve));
    const closed = new Promise((resolve) => idle.once('close', resolve));
    tls.sock.close();
    await tls.done;
    await closed;
  });

  it('refuses serverSide: false (a listening socket is the server side)', () => {
    const sock = listen(['127.0.0.1', 0]);
    expect(() => wrapSsl(sock, { certfile: cert.certfile, keyfile: cert.keyfile, serverSide: false })).toThrow(/server side/);
    sock.close();
  });
});

describe('examples/ssl', () => {
  it('makes its own certificate, serves curl --cacert with it, and cleans up on SIGTERM', { timeout: 15_000 }, async () => {
    const example = runExample('ssl.js');
    const [, certfile, port] = await example.waitFor(/try: curl --cacert (\S+) https:\/\/localhost:(\d+)\//, 'stdout');
    const { stdout } = await promisify(execFile)('curl', ['--silent', '--show-error', '--cacert', certfile!,
      '--resolve', `localhost:${port}:127.0.0.1`, `https://localhost:${port}/`]);
    expect(stdout).toBe('Hello, World! (over https)\r\n');
    expect(await example.stop()).toBe(0);
    expect(existsSync(certfile!)).toBe(false);
  });
});
