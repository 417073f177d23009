// Listening on a Unix socket path, as eventlet can: REMOTE_ADDR and SERVER_NAME 'unix', empty ports
// (log_unix_address), the request's path as usual.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listen, server, type WsgiApp } from '@wsgi-bridge/server';

const echoAddresses: WsgiApp = (env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'application/json']]);
  const { REMOTE_ADDR, REMOTE_PORT, SERVER_NAME, SERVER_PORT, PATH_INFO } = env;
  return [JSON.stringify({ REMOTE_ADDR, REMOTE_PORT, SERVER_NAME, SERVER_PORT, PATH_INFO })];
};

function get(socketPath: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(body));
    }).on('error', reject).end();
  });
}

describe('a Unix socket', () => {
  it("serves requests with eventlet's 'unix' addresses, logs them, and removes the path on close", async () => {
    const dir = await mkdtemp(join(tmpdir(), 'wsgi-bridge-unix-'));
    const path = join(dir, 'app.sock');
    const log: string[] = [];
    const sock = listen(path);
    const done = server(sock, echoAddresses, { log: { write: (text: string) => log.push(text) } });
    await new Promise((resolve) => sock.once('listening', resolve));

    expect(JSON.parse(await get(path, '/over-unix'))).toEqual({
      REMOTE_ADDR: 'unix', REMOTE_PORT: '', SERVER_NAME: 'unix', SERVER_PORT: '', PATH_INFO: '/over-unix',
    });
    sock.close();
    await done;

    expect(log[0]).toBe(`(${process.pid}) wsgi starting up on http:${path}\n`);
    expect(log).toContain(`(${process.pid}) accepted ''\n`);
    expect(log.find((line) => line.includes('"GET /'))).toMatch(/^unix - - \[.*\] "GET \/over-unix HTTP\/1\.1" 200 \d+ /);
    expect(existsSync(path)).toBe(false);
    await rm(dir, { recursive: true });
  });
});
