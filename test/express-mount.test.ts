// wsgiMount's environ inside Express: SCRIPT_NAME and PATH_INFO for a root mount, a path
// mount, a nested Router and a sub-app; query strings; every method; HEAD; Express's
// `trust proxy`; headers set by earlier middleware; the shared options.
import http from 'node:http';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { wsgiMount } from '@wsgi-bridge/express';
import { environApp, expressVersions, listen, send, type EnvironView, type Listening } from './express-harness.js';

describe.each(expressVersions)('wsgiMount on $name', ({ express }) => {
  const app = environApp();
  const errors: string[] = [];
  let srv: Listening;

  beforeAll(async () => {
    const server = express();
    server.use('/legacy', wsgiMount(app));
    const router = express.Router();
    router.use('/v1', wsgiMount(app));
    server.use('/api', router);
    const sub = express();
    sub.use('/w', wsgiMount(app));
    server.use('/sub', sub);
    const rewriter = express.Router();
    rewriter.use((req, _res, next) => {
      req.url = '/new/path?z=9';
      next();
    });
    rewriter.use(wsgiMount(app));
    server.use('/rewrite', rewriter);
    server.use('/tagged', (_req, res, next) => {
      res.setHeader('X-Request-Id', 'abc-123');
      res.setHeader('Content-Type', 'text/html'); // the app's own Content-Type replaces it
      res.cookie('from_middleware', '1');
      next();
    }, wsgiMount((environ, startResponse) => {
      const cookies: Array<[string, string]> = environ.PATH_INFO === '/cookie' ? [['Set-Cookie', 'from_app=2']] : [];
      return app(environ, (status, headers) => startResponse(status, [...headers, ...cookies]));
    }));
    server.use('/options', wsgiMount((environ, startResponse) => {
      environ['wsgi.errors'].write(`to the errors option from ${environ.PATH_INFO}\n`);
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return [String(environ['my.extra'])];
    }, { environ: { 'my.extra': 'configured', PATH_INFO: '/not-allowed' }, errors: (text) => errors.push(text) }));
    server.use(wsgiMount(app)); // the root mount takes everything the others left
    srv = await listen(server);
  });
  afterAll(() => srv.close());

  const environFor = async (path: string): Promise<EnvironView> => {
    const res = await request(srv.url).get(path).expect(200).expect('Content-Type', 'application/json');
    return res.body as EnvironView;
  };

  describe('SCRIPT_NAME and PATH_INFO', () => {
    it('a root mount has SCRIPT_NAME "" and the whole path in PATH_INFO', async () => {
      const env = await environFor('/a/b%20c?x=1&y=%20');
      expect(env).toMatchObject({ SCRIPT_NAME: '', PATH_INFO: '/a/b c', RAW_PATH_INFO: '/a/b%20c', QUERY_STRING: 'x=1&y=%20' });
    });

    it("'/legacy' goes to SCRIPT_NAME and the rest to PATH_INFO", async () => {
      const env = await environFor('/legacy/foo/bar%3F?q=1');
      expect(env).toMatchObject({ SCRIPT_NAME: '/legacy', PATH_INFO: '/foo/bar?', RAW_PATH_INFO: '/foo/bar%3F', QUERY_STRING: 'q=1' });
    });

    it("the mount's root has PATH_INFO '' without a slash and '/' with one (PEP 3333)", async () => {
      expect(await environFor('/legacy')).toMatchObject({ SCRIPT_NAME: '/legacy', PATH_INFO: '', RAW_PATH_INFO: '', QUERY_STRING: '' });
      expect(await environFor('/legacy/')).toMatchObject({ SCRIPT_NAME: '/legacy', PATH_INFO: '/', QUERY_STRING: '' });
      expect(await environFor('/legacy?next=http://example.com/x/y')).toMatchObject({
        SCRIPT_NAME: '/legacy', PATH_INFO: '', QUERY_STRING: 'next=http://example.com/x/y',
      });
    });

    it('PATH_INFO is percent-decoded to latin-1 "bytes as a string"', async () => {
      const env = await environFor('/legacy/caf%C3%A9/a%2Fb');
      expect(env.PATH_INFO).toBe('/caf\u00c3\u00a9/a/b');
      expect(env.RAW_PATH_INFO).toBe('/caf%C3%A9/a%2Fb');
    });

    it('SCRIPT_NAME is the prefix as the client sent it (Express matches case-insensitively)', async () => {
      expect(await environFor('/LEGACY/x')).toMatchObject({ SCRIPT_NAME: '/LEGACY', PATH_INFO: '/x' });
    });

    it('a path that only starts with the mount name is not under it', async () => {
      expect(await environFor('/legacyx/y')).toMatchObject({ SCRIPT_NAME: '', PATH_INFO: '/legacyx/y' });
    });

    it('a rewrite of req.url by earlier middleware is honoured, at the mount root too', async () => {
      expect(await environFor('/rewrite/old?a=1')).toMatchObject({ SCRIPT_NAME: '/rewrite', PATH_INFO: '/new/path', QUERY_STRING: 'z=9' });
      expect(await environFor('/rewrite')).toMatchObject({ SCRIPT_NAME: '/rewrite', PATH_INFO: '/new/path', QUERY_STRING: 'z=9' });
    });

    it('a nested Router joins the prefixes of every level', async () => {
      expect(await environFor('/api/v1/items%2F7?sort=asc')).toMatchObject({
        SCRIPT_NAME: '/api/v1', PATH_INFO: '/items/7', RAW_PATH_INFO: '/items%2F7', QUERY_STRING: 'sort=asc',
      });
      expect(await environFor('/api/v1?a=b')).toMatchObject({ SCRIPT_NAME: '/api/v1', PATH_INFO: '', QUERY_STRING: 'a=b' });
    });

    it('a mounted Express sub-app joins its own mount path', async () => {
      expect(await environFor('/sub/w/z?')).toMatchObject({ SCRIPT_NAME: '/sub/w', PATH_INFO: '/z', QUERY_STRING: '' });
    });
  });

  it('serves every method Node parses, with its body', async () => {
    const methods = http.METHODS.filter((m) => m !== 'CONNECT' && m !== 'HEAD');
    expect(methods.length).toBeGreaterThan(30);
    for (const method of methods) {
      const reply = await send(srv.url, method, '/legacy/m?x=1', `body of ${method}`);
      expect(reply.status, method).toBe(200);
      const env = JSON.parse(reply.body) as EnvironView;
      expect(env, method).toMatchObject({ REQUEST_METHOD: method, PATH_INFO: '/m', QUERY_STRING: 'x=1', body: `body of ${method}` });
      expect(env.CONTENT_LENGTH, method).toBe(String(`body of ${method}`.length));
    }
  });

  it('HEAD gets the headers of GET and no body', async () => {
    const get = await send(srv.url, 'GET', '/options/h');
    const head = await send(srv.url, 'HEAD', '/options/h');
    expect(get.body).toBe('configured');
    expect(head.status).toBe(200);
    expect(head.headers['content-length']).toBe('10');
    expect(head.headers['content-type']).toBe('text/plain');
    expect(head.body).toBe('');
  });

  it('keeps headers that earlier middleware set, with the app\'s own', async () => {
    const res = await request(srv.url).get('/tagged/x').expect(200);
    expect(res.headers['x-request-id']).toBe('abc-123');
    expect(res.headers['x-powered-by']).toBe('Express');
    expect(res.headers['content-type']).toBe('application/json');
    expect((res.body as EnvironView).SCRIPT_NAME).toBe('/tagged');
  });

  it("keeps a cookie earlier middleware set beside the app's own", async () => {
    const res = await request(srv.url).get('/tagged/cookie').expect(200);
    expect(res.headers['set-cookie']).toEqual(['from_middleware=1; Path=/', 'from_app=2']);
  });

  it('passes the environ extras and the errors option to the core', async () => {
    const res = await request(srv.url).get('/options/p').expect(200);
    expect(res.text).toBe('configured');
    expect(errors).toContain('to the errors option from /p\n');
  });

  it('without `trust proxy`, X-Forwarded-* headers do not change the socket\'s view', async () => {
    const res = await request(srv.url).get('/legacy/p')
      .set('X-Forwarded-For', '203.0.113.7').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'example.org')
      .expect(200);
    const env = res.body as EnvironView;
    expect(env).toMatchObject({ REMOTE_ADDR: '127.0.0.1', SERVER_NAME: '127.0.0.1', 'wsgi.url_scheme': 'http', HTTP_X_FORWARDED_FOR: '203.0.113.7' });
    expect(env.HTTPS).toBeUndefined();
  });
});

it('refuses an app that is not a function when the middleware is made, not at the first request', () => {
  expect(() => wsgiMount({} as never)).toThrow(new TypeError('a WSGI app must be a function (environ, start_response), got object'));
});

describe.each(expressVersions)("wsgiMount with Express's `trust proxy` on $name", ({ express }) => {
  let srv: Listening;

  beforeAll(async () => {
    const server = express();
    server.set('trust proxy', 'loopback');
    server.use('/legacy', wsgiMount(environApp()));
    const sub = express(); // a sub-app inherits the setting
    sub.use(wsgiMount(environApp()));
    server.use('/sub', sub);
    srv = await listen(server);
  });
  afterAll(() => srv.close());

  it.each(['/legacy/p', '/sub/p'])('wsgi.url_scheme, REMOTE_ADDR and SERVER_NAME come from a trusted proxy (%s)', async (path) => {
    const res = await request(srv.url).get(path)
      .set('X-Forwarded-For', '198.51.100.1, 203.0.113.7').set('X-Forwarded-Proto', 'https').set('X-Forwarded-Host', 'example.org')
      .expect(200);
    expect(res.body).toMatchObject({ REMOTE_ADDR: '203.0.113.7', SERVER_NAME: 'example.org', 'wsgi.url_scheme': 'https', HTTPS: 'on' });
  });

  it('without forwarded headers, the socket still speaks', async () => {
    const res = await request(srv.url).get('/legacy/p').set('Host', 'app.test:8080').expect(200);
    expect(res.body).toMatchObject({ REMOTE_ADDR: '127.0.0.1', SERVER_NAME: 'app.test', 'wsgi.url_scheme': 'http' });
  });
});
