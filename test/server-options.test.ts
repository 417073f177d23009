// One test per option of eventlet.wsgi.server that shapes responses (environ, minimumChunkSize,
// capitalizeResponseHeaders, debug, maxHttpVersion) and the options eventlet has that Node cannot mean.
import { describe, expect, it } from 'vitest';
import { listen, server, type WsgiApp } from '@wsgi-bridge/server';
import { maskDate, RawClient, rawExchange } from './helpers/raw.js';
import { gate, serveEach } from './helpers/serve-each.js';

const start = serveEach();


const GET = 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n';

describe('environ', () => {
  it('merges extra keys into every environ; CGI keys still come from the request', async () => {
    const srv = await start((env, startResponse) => {
      startResponse('200 OK', []);
      return [`${String(env['app.name'])} ${env.REQUEST_METHOD} ${env['wsgi.url_scheme']}`];
    }, { environ: { 'app.name': 'demo', REQUEST_METHOD: 'FAKE' } });
    const text = await rawExchange(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(text).toMatch(/\r\n\r\ndemo GET http$/);
  });
});

describe('minimumChunkSize', () => {
  const app = (held: Promise<void>): WsgiApp => async function* (_env, startResponse) {
    startResponse('200 OK', []);
    yield 'first';
    await held;
    yield 'second';
  };

  it('1 sends each chunk at once', async () => {
    const hold = gate();
    const srv = await start(app(hold.wait), { minimumChunkSize: 1 });
    const client = await RawClient.connect(srv.port);
    client.write(GET);
    expect(await client.readUntil('5\r\nfirst\r\n')).toContain('Transfer-Encoding: chunked');
    hold.open();
    expect(await client.readUntil('0\r\n\r\n')).toBe('6\r\nsecond\r\n0\r\n\r\n');
    client.close();
  });

  it('by default (4096) holds small chunks back and sends them together', async () => {
    const hold = gate();
    const srv = await start(app(hold.wait));
    const client = await RawClient.connect(srv.port);
    client.write(GET);
    await expect(client.readUntil('\r\n\r\n', 300)).rejects.toThrow(/timed out/);
    hold.open();
    expect(await client.readUntil('0\r\n\r\n')).toMatch(/\r\n\r\nb\r\nfirstsecond\r\n0\r\n\r\n$/);
    client.close();
  });
});

describe('capitalizeResponseHeaders', () => {
  const app: WsgiApp = (_env, startResponse) => {
    startResponse('200 oK', [['eTAg', '"x"'], ['sOMe-WEirD', 'y']]);
    return ['ok'];
  };

  it('capitalizes each -separated part by default, and keeps the status as given', async () => {
    const srv = await start(app);
    const text = await rawExchange(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 oK\r\nEtag: "x"\r\nSome-Weird: y\r\n/);
  });

  it('false keeps the names as the app wrote them', async () => {
    const srv = await start(app, { capitalizeResponseHeaders: false });
    const text = await rawExchange(srv.port, 'GET / HTTP/1.0\r\n\r\n');
    expect(text).toMatch(/^HTTP\/1\.1 200 oK\r\neTAg: "x"\r\nsOMe-WEirD: y\r\n/);
  });
});

describe('debug', () => {
  const failing: WsgiApp = () => {
    throw new RuntimeError('the app broke');
  };
  class RuntimeError extends Error {}

  it('is on by default: the traceback is in the 500 body', async () => {
    const srv = await start(failing);
    const text = await rawExchange(srv.port, GET);
    expect(text).toMatch(/^HTTP\/1\.1 500 Internal Server Error\r\nContent-Type: text\/plain\r\n/);
    expect(text).toContain('Connection: close');
    expect(text.split('\r\n\r\n')[1]).toContain('the app broke');
  });

  it('false sends the 500 with an empty body; the traceback still goes to the log', async () => {
    const srv = await start(failing, { debug: false });
    const text = await rawExchange(srv.port, GET);
    expect(maskDate(text)).toBe('HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n' +
      'Content-Length: 0\r\nDate: …\r\nConnection: close\r\n\r\n');
    expect(srv.log.join('')).toContain('the app broke');
  });
});

describe('maxHttpVersion', () => {
  const streaming: WsgiApp = function* (_env, startResponse) {
    startResponse('200 OK', []);
    yield 'this';
    yield 'isnotchunked';
  };

  it("'HTTP/1.0' closes every connection and never chunks, even for an HTTP/1.1 client", async () => {
    const srv = await start(streaming, { maxHttpVersion: 'HTTP/1.0' });
    const text = await rawExchange(srv.port, 'GET / HTTP/1.1\r\nHost: x\r\nConnection: keep-alive\r\n\r\n');
    expect(text).toContain('\r\nConnection: close\r\n');
    expect(text).not.toContain('Transfer-Encoding');
    expect(text).toMatch(/\r\n\r\nthisisnotchunked$/);
  });

  it("'HTTP/1.1' (the default) keeps an HTTP/1.1 connection and chunks", async () => {
    const srv = await start(streaming);
    const client = await RawClient.connect(srv.port);
    client.write(GET);
    const text = await client.readResponse();
    expect(text).toContain('Transfer-Encoding: chunked');
    expect(text).not.toContain('Connection:');
    client.close();
  });
});

describe('the socket', () => {
  it('server() rejects when the socket cannot listen', async () => {
    const taken = listen(['127.0.0.1', 0]);
    await new Promise((resolve) => taken.once('listening', resolve));
    const sock = listen(['127.0.0.1', (taken.address() as { port: number }).port]);
    await expect(server(sock, () => [], { logOutput: false })).rejects.toThrow(/EADDRINUSE/);
    taken.close();
  });
});

describe("eventlet options with no meaning on Node, and Python spellings", () => {
  const hello: WsgiApp = (_env, startResponse) => {
    startResponse('200 OK', []);
    return [];
  };
  const refused = (options: object): string => {
    const sock = listen(['127.0.0.1', 0]);
    try {
      void server(sock, hello, options as never);
      return 'accepted';
    } catch (err) {
      return (err as Error).message;
    } finally {
      sock.close();
    }
  };

  it('refuses custom_pool, protocol and server_event, saying why', () => {
    expect(refused({ customPool: {} })).toMatch(/custom_pool .*maxSize/);
    expect(refused({ custom_pool: {} })).toMatch(/custom_pool/);
    expect(refused({ protocol: class {} })).toMatch(/protocol/);
    expect(refused({ serverEvent: {} })).toMatch(/server_event/);
  });

  it('refuses snake_case names, pointing at the camelCase one', () => {
    expect(refused({ url_length_limit: 10 })).toMatch(/unknown option url_length_limit \(options are camelCase: urlLengthLimit\)/);
  });

  it('refuses values eventlet could not use', () => {
    expect(refused({ maxSize: 0 })).toMatch(/maxSize must be a positive/);
    expect(refused({ keepalive: -1 })).toMatch(/keepalive/);
    expect(refused({ maxHttpVersion: 'HTTP/2' })).toMatch(/maxHttpVersion/);
    expect(refused({ logFormat: '%(client)s' })).toMatch(/unknown key client/);
  });
});
