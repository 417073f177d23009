// The request body under Express: streamed when nothing read it, served from the Buffer
// or string that express.raw / express.text left, a clear error when a parser left an
// object; a parser after the mount leaves the WSGI app the raw bytes.
import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NextFunction, Request, Response } from 'express';
import { WsgiError, wsgiMount } from '@wsgi-bridge/express';
import { environApp, expressVersions, listen, send, type EnvironView, type Listening } from './express-harness.js';

describe.each(expressVersions)('request bodies on $name', ({ express }) => {
  const app = environApp();
  const handled: unknown[] = [];
  let srv: Listening;

  beforeAll(async () => {
    const server = express();
    server.use('/raw', express.raw({ type: 'application/octet-stream' }), wsgiMount(app));
    server.use('/text', express.text(), wsgiMount(app));
    server.use('/json', express.json(), express.urlencoded({ extended: false }), wsgiMount(app));
    server.use('/legacy', wsgiMount(app));
    server.use(express.json()); // after the mount: only for the native routes
    server.post('/native', (req, res) => {
      res.json({ parsed: req.body as unknown });
    });
    server.use((err: Error, _req: Request, res: Response, _next: NextFunction) => {
      handled.push(err);
      res.status(500).json({ code: (err as WsgiError).code, message: err.message });
    });
    srv = await listen(server);
  });
  afterAll(() => srv.close());

  const post = async (path: string, type: string, body: string | Buffer, headers = {}): Promise<EnvironView> => {
    const reply = await send(srv.url, 'POST', path, body, { 'Content-Type': type, ...headers });
    expect(reply.status, reply.body).toBe(200);
    return JSON.parse(reply.body) as EnvironView;
  };

  it('nothing read the body: wsgi.input streams the bytes as sent', async () => {
    const bytes = Buffer.from([0x00, 0xff, 0x0d, 0x0a, 0xc3, 0xa9, 0x7b]);
    const env = await post('/legacy/up', 'application/octet-stream', bytes);
    expect(Buffer.from(env.body!, 'latin1')).toEqual(bytes);
    expect(env).toMatchObject({ CONTENT_TYPE: 'application/octet-stream', CONTENT_LENGTH: '7' });
  });

  it('a parser after the mount leaves the WSGI app the raw bytes, and still parses for native routes', async () => {
    const json = '{"a": [1, 2]}';
    expect(await post('/legacy/j', 'application/json', json)).toMatchObject({ body: json, CONTENT_LENGTH: String(json.length) });
    const native = await request(srv.url).post('/native').send({ a: [1, 2] }).expect(200);
    expect(native.body).toEqual({ parsed: { a: [1, 2] } });
  });

  it('express.raw before the mount: wsgi.input serves the Buffer it left', async () => {
    const bytes = Buffer.from([0x01, 0x80, 0xfe, 0x00, 0x41]);
    const env = await post('/raw/r', 'application/octet-stream', bytes);
    expect(Buffer.from(env.body!, 'latin1')).toEqual(bytes);
    expect(env.CONTENT_LENGTH).toBe('5');
  });

  it('CONTENT_LENGTH describes what wsgi.input serves when express.raw inflated a gzip body', async () => {
    const plain = Buffer.from('a'.repeat(1000));
    const env = await post('/raw/gz', 'application/octet-stream', gzipSync(plain), { 'Content-Encoding': 'gzip' });
    expect(env.body).toBe(plain.toString('latin1'));
    expect(env.CONTENT_LENGTH).toBe('1000');
  });

  it('express.text before the mount: wsgi.input serves the string it left, as UTF-8', async () => {
    const env = await post('/text/t', 'text/plain; charset=utf-8', 'héllo wörld');
    expect(Buffer.from(env.body!, 'latin1').toString('utf8')).toBe('héllo wörld');
  });

  it.each([
    ['application/json', '{"a":1}'],
    ['application/x-www-form-urlencoded', 'a=1&b=2'],
  ])('a parser that left an object (%s): next(err) with WSGI_ERR_PARSED_BODY, and the app never runs', async (type, body) => {
    const calls = app.calls;
    handled.length = 0;
    const reply = await send(srv.url, 'POST', '/json/p', body, { 'Content-Type': type });
    expect(reply.status).toBe(500);
    const error = JSON.parse(reply.body) as { code: string; message: string };
    expect(error.code).toBe('WSGI_ERR_PARSED_BODY');
    expect(error.message).toBe('request body already parsed: earlier middleware read the request body and left an object in ' +
      "req.body, not the bytes a WSGI app reads. Mount the WSGI app before the body parser, for example app.use('/json', " +
      'wsgiMount(app)) ahead of app.use(express.json()), or give the parser a path or a `type` that skips these requests.');
    expect(error.message).not.toContain('a: '); // the parsed values stay out of the message
    expect(handled[0]).toBeInstanceOf(WsgiError);
    expect(app.calls).toBe(calls);
  });

  it('a parser that skipped the request (another content type) leaves the body to stream', async () => {
    expect(await post('/json/skip', 'text/plain', 'not json')).toMatchObject({ body: 'not json', CONTENT_TYPE: 'text/plain' });
  });

  it('a parser that had no body to read is no error', async () => {
    const reply = await send(srv.url, 'GET', '/json/empty');
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body)).toMatchObject({ body: '', REQUEST_METHOD: 'GET' });
    const empty = await post('/json/zero', 'application/json', '');
    expect(empty).toMatchObject({ body: '', CONTENT_LENGTH: '0' });
  });
});
