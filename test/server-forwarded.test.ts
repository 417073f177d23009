// forwardedAllowIps (gunicorn's forwarded_allow_ips) on the standalone server, over raw
// sockets: a trusted proxy's X-Forwarded-Proto and X-Forwarded-For reach the environ;
// anyone else's are ignored.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listen, server, type Environ } from '@wsgi-bridge/server';
import { fetchRaw, recordingApp } from './helpers/http.js';
import { serveEach } from './helpers/serve-each.js';

const serve = serveEach();

function forwarded(headers: string): string {
  return `GET / HTTP/1.1\r\nHost: example.test\r\n${headers}Connection: close\r\n\r\n`;
}

const PROXIED = forwarded('X-Forwarded-Proto: https\r\nX-Forwarded-For: 203.0.113.7, 127.0.0.1\r\n');

async function seenThrough(options: { forwardedAllowIps?: string | string[] }, request = PROXIED): Promise<Environ> {
  const app = recordingApp();
  const srv = await serve(app, options);
  expect((await fetchRaw(srv.port, request)).status).toBe(200);
  return app.seen[0]!;
}

describe('forwardedAllowIps', () => {
  it('by default ignores both headers, as eventlet does', async () => {
    const environ = await seenThrough({});
    expect(environ['wsgi.url_scheme']).toBe('http');
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
  });

  it("from a trusted peer, X-Forwarded-Proto sets wsgi.url_scheme and X-Forwarded-For's client sets REMOTE_ADDR", async () => {
    const environ = await seenThrough({ forwardedAllowIps: '127.0.0.1,::1' });
    expect(environ['wsgi.url_scheme']).toBe('https');
    expect(environ.REMOTE_ADDR).toBe('203.0.113.7');
    expect(environ.REMOTE_PORT).not.toBe('');
  });

  it("from a peer not in the list, both are ignored", async () => {
    const environ = await seenThrough({ forwardedAllowIps: ['10.0.0.1', '192.168.0.0/16'] });
    expect(environ['wsgi.url_scheme']).toBe('http');
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
  });

  it("'*' and CIDR networks trust the peer", async () => {
    expect((await seenThrough({ forwardedAllowIps: '*' })).REMOTE_ADDR).toBe('203.0.113.7');
    expect((await seenThrough({ forwardedAllowIps: '127.0.0.0/8' }))['wsgi.url_scheme']).toBe('https');
  });

  it('takes the right-most untrusted hop, so a client cannot forge its address past the proxy', async () => {
    const environ = await seenThrough(
      { forwardedAllowIps: '127.0.0.1,10.0.0.0/8' },
      forwarded('X-Forwarded-For: 6.6.6.6, 198.51.100.4, 10.1.2.3\r\n'),
    );
    expect(environ.REMOTE_ADDR).toBe('198.51.100.4');
    expect(environ['wsgi.url_scheme']).toBe('http');
  });

  it('ignores a scheme other than http or https and addresses that are not IPs', async () => {
    const environ = await seenThrough({ forwardedAllowIps: '127.0.0.1' }, forwarded('X-Forwarded-Proto: gopher\r\nX-Forwarded-For: unknown\r\n'));
    expect(environ['wsgi.url_scheme']).toBe('http');
    expect(environ.REMOTE_ADDR).toBe('127.0.0.1');
  });

  it('trusts a Unix socket peer, as gunicorn does: only a process on this machine can connect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wsgi-bridge-forwarded-'));
    const app = recordingApp();
    const sock = listen(join(dir, 'app.sock'));
    const done = server(sock, app, { forwardedAllowIps: '10.0.0.1', logOutput: false });
    try {
      if (!sock.listening) await once(sock, 'listening');
      await new Promise((resolve, reject) => {
        request({ socketPath: join(dir, 'app.sock'), path: '/', agent: false, headers: { 'X-Forwarded-Proto': 'https', 'X-Forwarded-For': '203.0.113.7' } }, (res) => {
          res.resume().on('end', resolve);
        }).on('error', reject).end();
      });
      expect(app.seen[0]!['wsgi.url_scheme']).toBe('https');
      expect(app.seen[0]!.REMOTE_ADDR).toBe('203.0.113.7');
    } finally {
      sock.close();
      await done;
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('throws a TypeError naming an entry that is not an address, a network or *', () => {
    const sock = listen(['127.0.0.1', 0]);
    try {
      expect(() => server(sock, recordingApp(), { forwardedAllowIps: '127.0.0.1,proxy.local' })).toThrow(/"proxy\.local" is not an IP address/);
      expect(() => server(sock, recordingApp(), { forwardedAllowIps: '10.0.0.0/33' })).toThrow(TypeError);
    } finally {
      sock.close();
    }
  });
});
