// log, logOutput, logFormat, logXForwardedFor, and the debug log lines: eventlet's lines and shapes.
import { describe, expect, it, vi } from 'vitest';
import { listen, logDateTime, server, type WsgiApp } from '@wsgi-bridge/server';
import { RawClient } from './helpers/raw.js';
import { serveEach } from './helpers/serve-each.js';
import type { TestServer } from './helpers/serve.js';

const start = serveEach();


const hello: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return ['hello'];
};
const streaming: WsgiApp = function* (_env, startResponse) {
  startResponse('201 Created', []);
  yield 'a'.repeat(5000);
  yield 'tail';
};

/** Send one request, read its whole response; the client's port and the exact bytes received. */
async function request(port: number, text: string): Promise<{ response: string; clientPort: number }> {
  const client = await RawClient.connect(port);
  client.write(text);
  const response = await client.readResponse();
  const clientPort = client.socket.localPort!;
  client.close();
  return { response, clientPort };
}

const accessLines = (srv: TestServer): string[] => srv.log.filter((line) => line.includes('] "'));
const DEFAULT_LINE = /^127\.0\.0\.1 - - \[\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d\] "GET \/path\?q=1 HTTP\/1\.1" (\d{3}) (\d+) \d+\.\d{6}\n$/;

describe('the default log format', () => {
  it("has eventlet's shape; body_length counts head and body as written", async () => {
    const srv = await start(hello);
    const { response } = await request(srv.port, 'GET /path?q=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    const [line] = accessLines(srv);
    const [, status, length] = DEFAULT_LINE.exec(line!)!;
    expect(status).toBe('200');
    expect(Number(length)).toBe(Buffer.byteLength(response, 'latin1'));
  });

  it('body_length includes the chunk framing of a streamed body', async () => {
    const srv = await start(streaming, { minimumChunkSize: 1 });
    const { response } = await request(srv.port, 'GET /path?q=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(response).toContain('1388\r\n');
    const [, status, length] = DEFAULT_LINE.exec(accessLines(srv)[0]!)!;
    expect(status).toBe('201');
    expect(Number(length)).toBe(Buffer.byteLength(response, 'latin1'));
  });
});

describe('logXForwardedFor', () => {
  const forwarded = 'GET / HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: 1.2.3.4, 5.6.7.8\r\n\r\n';

  it('on by default: the header, spaces removed, then the peer address', async () => {
    const srv = await start(hello);
    await request(srv.port, forwarded);
    expect(accessLines(srv)[0]).toMatch(/^1\.2\.3\.4,5\.6\.7\.8,127\.0\.0\.1 - - \[/);
  });

  it('off: the peer address alone', async () => {
    const srv = await start(hello, { logXForwardedFor: false });
    await request(srv.port, forwarded);
    expect(accessLines(srv)[0]).toMatch(/^127\.0\.0\.1 - - \[/);
  });
});

describe('logFormat', () => {
  it('fills every key eventlet offers, with Python widths and precisions', async () => {
    const format = '%(client_ip)s|%(client_port)s|%(date_time)s|%(request_line)s|%(status_code)s|' +
      '%(body_length)s|%(wall_seconds).2f|[%(status_code)6d]|[%(client_ip)-11s]|[%(request_line).3s]|%%';
    const srv = await start(hello, { logFormat: format });
    const before = logDateTime();
    const { response, clientPort } = await request(srv.port, 'GET /yo! HTTP/1.1\r\nHost: x\r\n\r\n');
    const after = logDateTime();
    const fields = srv.log.at(-1)!.split('|');
    expect(fields[0]).toBe('127.0.0.1');
    expect(fields[1]).toBe(String(clientPort));
    expect(fields[2]).toMatch(/^\d\d\/[A-Z][a-z]{2}\/\d{4} \d\d:\d\d:\d\d$/);
    // The time of the request, to the second (the line's time is formatted once a second).
    expect([before, after]).toContain(fields[2]);
    expect(fields.slice(3, 6)).toEqual(['GET /yo! HTTP/1.1', '200', String(Buffer.byteLength(response, 'latin1'))]);
    expect(fields[6]).toMatch(/^\d+\.\d\d$/);
    expect(fields.slice(7)).toEqual(['[   200]', '[127.0.0.1  ]', '[GET]', '%\n']);
  });

  it("eventlet's own example: HI %(request_line)s HI", async () => {
    const srv = await start(hello, { logFormat: 'HI %(request_line)s HI' });
    await request(srv.port, 'GET /yo! HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(srv.log).toContain('HI GET /yo! HTTP/1.1 HI\n');
  });
});

describe('log', () => {
  it('writes each line with a newline to a stream: start-up, debug lines, access, exit', async () => {
    const srv = await start(hello);
    const { clientPort } = await request(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    await srv.close();
    const pid = process.pid;
    expect(srv.log[0]).toBe(`(${pid}) wsgi starting up on http://127.0.0.1:${srv.port}\n`);
    expect(srv.log[1]).toBe(`(${pid}) accepted ('127.0.0.1', ${clientPort})\n`);
    expect(srv.log[2]).toMatch(/^127\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.0" 200 \d+ \d+\.\d{6}\n$/);
    expect(srv.log.at(-1)).toBe(`(${pid}) wsgi exited, is_accepting=True\n`);
  });

  it('tells of a client that reset its connection mid-request in a debug line', async () => {
    const srv = await start(hello);
    const client = await RawClient.connect(srv.port);
    const port = client.socket.localPort;
    client.write('GET / HTTP/1.1\r\nHost: x\r\n');
    await new Promise((resolve) => setTimeout(resolve, 50));
    client.socket.resetAndDestroy();
    await vi.waitFor(() => expect(srv.log).toContain(`(${process.pid}) connection reset by peer ('127.0.0.1', ${port})\n`));
  });

  it('leaves out the debug lines when debug is off', async () => {
    const srv = await start(hello, { debug: false });
    await request(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(srv.log.join('')).not.toContain('accepted');
    expect(accessLines(srv)).toHaveLength(1);
  });

  it('uses an object with info and debug as a logger: every debug line goes to debug()', async () => {
    const info: string[] = [];
    const debug: string[] = [];
    const sock = listen(['127.0.0.1', 0]);
    const done = server(sock, hello, { log: { info: (m) => info.push(m), debug: (m) => debug.push(m) }, debug: false });
    await new Promise((resolve) => sock.once('listening', resolve));
    const port = (sock.address() as { port: number }).port;
    await request(port, 'GET / HTTP/1.0\r\n\r\n');
    sock.close();
    await done;
    expect(info[0]).toBe(`(${process.pid}) wsgi starting up on http://127.0.0.1:${port}`);
    expect(info[1]).toMatch(/^127\.0\.0\.1 - - \[.*\] "GET \/ HTTP\/1\.0" 200/);
    expect(info[2]).toBe(`(${process.pid}) wsgi exited, is_accepting=True`);
    expect(debug).toEqual([expect.stringMatching(/^\(\d+\) accepted \('127\.0\.0\.1', \d+\)$/)]);
  });
});

describe('logOutput', () => {
  it('false logs nothing at all, errors included', async () => {
    const failing: WsgiApp = () => {
      throw new Error('not logged');
    };
    const srv = await start(failing, { logOutput: false });
    await request(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    await srv.close();
    expect(srv.log).toEqual([]);
  });
});
