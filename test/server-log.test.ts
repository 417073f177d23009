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

describe('wall_seconds', () => {
  const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
  const wall = (line: string): number => Number(/ (\d+\.\d{6})\n$/.exec(line)![1]);

  // eventlet stops the clock after close() and the body's discard, runs the post hooks,
  // then writes the line: the hooks' time is not in it, but they run before it.
  it('stops before the post hooks, and the line is written after them', async () => {
    const hooked: WsgiApp = (env, startResponse) => {
      env['eventlet.posthooks'].push([async () => {
        await sleep(300);
        env['wsgi.errors'].write('hook done\n');
      }]);
      startResponse('200 OK', []);
      return ['hooked'];
    };
    const srv = await start(hooked);
    await request(srv.port, 'GET /path?q=1 HTTP/1.1\r\nHost: x\r\n\r\n');
    await vi.waitFor(() => expect(accessLines(srv)).toHaveLength(1));
    expect(srv.log.indexOf('hook done\n')).toBeLessThan(srv.log.indexOf(accessLines(srv)[0]!));
    expect(wall(accessLines(srv)[0]!)).toBeLessThan(0.2);
  });

  it('counts the app and its body, with or without post hooks', async () => {
    const slow: WsgiApp = async function* (env, startResponse) {
      if (env.QUERY_STRING === 'hooked') env['eventlet.posthooks'].push([() => {}]);
      startResponse('200 OK', []);
      await sleep(150);
      yield 'late';
    };
    const srv = await start(slow);
    await request(srv.port, 'GET /path?hooked HTTP/1.1\r\nHost: x\r\n\r\n');
    await request(srv.port, 'GET /path HTTP/1.1\r\nHost: x\r\n\r\n');
    await vi.waitFor(() => expect(accessLines(srv)).toHaveLength(2));
    for (const line of accessLines(srv)) expect(wall(line)).toBeGreaterThanOrEqual(0.14);
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
