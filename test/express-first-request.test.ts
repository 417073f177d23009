// issue 17: an Express app started with app.listen() and nothing but app.use(wsgiMount(app))
// defers its "100 Continue" from the very first request, on Express 4 and 5, while a
// server of the same process that holds no mount keeps Node's own answers.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { expressVersions } from './express-harness.js';
import { closedAfterEach } from './helpers/serve-each.js';
import { maskDate, RawClient } from './helpers/raw.js';

/** eventlet's test_024a: a body over 1024 bytes is refused without being read. */
const app024a: WsgiApp = async (env, startResponse) => {
  if (Number(env.CONTENT_LENGTH) > 1024) {
    startResponse('417 Expectation Failed', [['Content-Length', '7']]);
    return ['failure'];
  }
  env['wsgi.input'].set_hundred_continue_response_headers([['Hundred-Continue-Header-1', 'H1']]);
  const text = await env['wsgi.input'].read();
  startResponse('200 OK', [['Content-Length', String(text.length)]]);
  return [text];
};

const REFUSED = 'PUT /legacy HTTP/1.1\r\nHost: localhost\r\nContent-length: 1025\r\nExpect: 100-continue\r\n\r\n';
const SMALL = 'PUT /legacy HTTP/1.1\r\nHost: localhost\r\nContent-length: 7\r\nExpect: 100-continue\r\n\r\n';

const servers = closedAfterEach();

async function listening(server: Server): Promise<number> {
  servers.push(server);
  if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
  return (server.address() as AddressInfo).port;
}

describe.each(expressVersions)('$name: the first request on a fresh app.listen()', ({ express }) => {
  it("is test_024a's refusal: no 100, the 417, and a closed connection", async () => {
    const web = express();
    web.disable('x-powered-by');
    web.use('/legacy', wsgiMount(app024a));
    const port = await listening(web.listen(0, '127.0.0.1'));
    const client = await RawClient.connect(port);
    client.write(REFUSED);
    expect(maskDate(await client.readToEnd())).toBe(
      'HTTP/1.1 417 Expectation Failed\r\nContent-Length: 7\r\nDate: …\r\nConnection: close\r\n\r\nfailure');
  });

  it('gets its 100 lazily, with the headers the app set, when the mount sits in a Router', async () => {
    const web = express();
    const router = express.Router();
    router.use(wsgiMount(app024a));
    web.use('/legacy', router);
    const port = await listening(web.listen(0, '127.0.0.1'));
    const client = await RawClient.connect(port);
    client.write(SMALL);
    expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\nHundred-Continue-Header-1: H1\r\n\r\n');
    client.write('testing');
    expect(maskDate(await client.readResponse())).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\ntesting$/);
    client.close();
  });

  it('finishes the response of a request pipelined before bad bytes, then closes', async () => {
    const web = express();
    web.use('/legacy', wsgiMount(app024a));
    const port = await listening(web.listen(0, '127.0.0.1'));
    const client = await RawClient.connect(port);
    client.write('PUT /legacy HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nokNOT HTTP AT ALL\r\n\r\n');
    expect(await client.readToEnd()).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Connection: close\r\n\r\nok$/);
  });

  it('leaves an Express app of the same process that holds no mount to Node: its 100 comes at once', async () => {
    const web = express();
    web.use('/legacy', wsgiMount(app024a)); // a mount elsewhere in the process
    await listening(web.listen(0, '127.0.0.1'));
    const plain = express();
    plain.put('/legacy', (_req, res) => void res.status(417).send('no'));
    const port = await listening(plain.listen(0, '127.0.0.1'));
    const client = await RawClient.connect(port);
    client.write(REFUSED);
    expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
    client.close();
  });
});

it('leaves a plain node:http server with no mount to answer Expect by itself', async () => {
  const express = expressVersions[0]!.express;
  const web = express();
  web.use(wsgiMount(app024a));
  await listening(web.listen(0, '127.0.0.1'));
  const port = await listening(createServer((_req, res) => res.end('plain')).listen(0, '127.0.0.1'));
  const client = await RawClient.connect(port);
  client.write(REFUSED);
  expect(await client.readUntil('\r\n\r\n')).toBe('HTTP/1.1 100 Continue\r\n\r\n');
  expect(await client.readResponse()).toMatch(/\r\n\r\nplain$/);
  client.close();
});
