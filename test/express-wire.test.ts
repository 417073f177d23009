// Express + wsgiMount on the wire, over raw sockets: one kept-alive connection taking
// turns between the mount and native routes, HEAD without a body byte, and native routes
// beside the mount answering byte for byte as they do in an app without it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WsgiApp } from '@wsgi-bridge/core';
import { wsgiMount } from '@wsgi-bridge/express';
import { maskDate, RawClient } from './helpers/raw.js';
import { parseResponse, request, routes } from './helpers/http.js';
import { expressVersions, listen, type ExpressModule, type Listening } from './express-harness.js';

const TEXT: [string, string] = ['Content-Type', 'text/plain'];

const apps: Record<string, WsgiApp> = {
  '/hello': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT]);
    return ['Hello, World!\r\n'];
  },
  '/ignore-body': (_environ, startResponse) => {
    startResponse('200 OK', [TEXT]);
    return ['body left unread'];
  },
  '/stream': (environ, startResponse) => {
    environ['eventlet.minimum_write_chunk_size'] = 0;
    startResponse('200 OK', [TEXT]);
    return (function* () {
      yield 'one,';
      yield 'two';
    })();
  },
  '/echo': async (environ, startResponse) => {
    const body = await environ['wsgi.input'].read();
    startResponse('200 OK', [TEXT]);
    return [Buffer.concat([Buffer.from(`${environ.SCRIPT_NAME}|${environ.PATH_INFO}|`), body])];
  },
};

/** Native routes, registered around the mount when `mount` is given, as an app would have them. */
function buildApp(express: ExpressModule, mount: boolean) {
  const server = express();
  server.get('/native', (_req, res) => {
    res.send('native');
  });
  server.get('/legacy/native', (_req, res) => {
    res.type('text/plain').send('native under the mount path');
  });
  if (mount) server.use('/legacy', wsgiMount(routes(apps)));
  server.use(express.json());
  server.post('/native/echo', (req, res) => {
    res.json({ got: req.body as unknown });
  });
  server.get('/after', (_req, res) => {
    res.status(201).set('X-Native', 'yes').send(Buffer.from('after the mount'));
  });
  return server;
}

describe.each(expressVersions)('on the wire with $name', ({ express }) => {
  let withMount: Listening;
  let without: Listening;

  beforeAll(async () => {
    withMount = await listen(buildApp(express, true));
    without = await listen(buildApp(express, false));
  });
  afterAll(async () => {
    await withMount.close();
    await without.close();
  });

  it('one kept-alive connection takes turns between the mount and native routes', async () => {
    const client = await RawClient.connect(withMount.port);
    const exchange = async (bytes: string, head = false) => {
      client.write(bytes);
      return parseResponse(await client.readResponse(5000, head));
    };
    const json = '{"n":1}';
    const steps: Array<[bytes: string, status: number, body: string, head?: boolean]> = [
      [request('GET', '/native'), 200, 'native'],
      [request('GET', '/legacy/hello'), 200, 'Hello, World!\r\n'],
      [request('POST', '/legacy/ignore-body', [['Content-Length', '5000']], 'x'.repeat(5000)), 200, 'body left unread'],
      [request('GET', '/native'), 200, 'native'],
      [request('POST', '/native/echo', [['Content-Type', 'application/json'], ['Content-Length', String(json.length)]], json), 200, '{"got":{"n":1}}'],
      [request('POST', '/legacy/echo', [['Transfer-Encoding', 'chunked']], '4\r\nabcd\r\n0\r\n\r\n'), 200, '/legacy|/echo|abcd'],
      [request('GET', '/legacy/stream'), 200, 'one,two'],
      [request('HEAD', '/legacy/hello'), 200, '', true],
      [request('GET', '/legacy/native'), 200, 'native under the mount path'],
      [request('GET', '/after'), 201, 'after the mount'],
      [request('GET', '/legacy/hello'), 200, 'Hello, World!\r\n'],
    ];
    for (const [bytes, status, body, head] of steps) {
      const response = await exchange(bytes, head);
      const line = bytes.slice(0, bytes.indexOf('\r\n'));
      expect(response.status, line).toBe(status);
      expect(response.body, line).toBe(body);
      expect(response.header('connection'), line).not.toBe('close');
    }
    expect(client.take()).toBe(''); // nothing stray, HEAD's body included
    expect(client.closed).toBe(false);
    client.close();
  });

  it('HEAD on the mount sends the head of GET and not one body byte', async () => {
    const client = await RawClient.connect(withMount.port);
    client.write(request('HEAD', '/legacy/hello') + request('GET', '/native'));
    const head = await client.readResponse(5000, true);
    expect(head).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(head).toContain('\r\nContent-Length: 15\r\n');
    expect(head).toContain('\r\nX-Powered-By: Express\r\n');
    expect(parseResponse(await client.readResponse()).body).toBe('native'); // straight after the head
    client.close();
  });

  it.each([
    ['GET /native', request('GET', '/native')],
    ['HEAD /native', request('HEAD', '/native')],
    ['GET /legacy/native (before the mount)', request('GET', '/legacy/native')],
    ['POST /native/echo (a parser after the mount)', request('POST', '/native/echo', [['Content-Type', 'application/json'], ['Content-Length', '9']], '{"a":[1]}')],
    ['GET /after (registered after the mount)', request('GET', '/after', [['Connection', 'keep-alive']])],
    ['GET /missing (404)', request('GET', '/missing')],
    ['GET /legacyx (404 beside the mount path)', request('GET', '/legacyx')],
    ['HTTP/1.0 GET /native', request('GET', '/native', [], '', 'HTTP/1.0')],
  ])('a native route beside the mount answers byte for byte as without it: %s', async (_name, bytes) => {
    const head = bytes.startsWith('HEAD');
    const exchange = async (port: number): Promise<string> => {
      const client = await RawClient.connect(port);
      client.write(bytes);
      const response = await client.readResponse(5000, head);
      client.close();
      return maskDate(response);
    };
    const expected = await exchange(without.port);
    expect(expected).toMatch(/^HTTP\/1\.[01] \d{3} /);
    expect(await exchange(withMount.port)).toBe(expected);
  });
});
