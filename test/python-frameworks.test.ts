// Real Flask and Bottle apps (Debian's python3-flask and python3-bottle, for /usr/bin/python3)
// through @wsgi-bridge/python on every front end: routing, form and JSON bodies, an
// upload, streaming, errors. Skipped, saying what to install, when a module is missing.
import { describe, expect, it } from 'vitest';
import { frontEnds } from './helpers/front-ends.js';
import { fetchRaw, parseResponse, request, type ParsedResponse } from './helpers/http.js';
import { hasPythonModule, PYTHON, usePythonApp } from './helpers/python.js';
import { RawClient } from './helpers/raw.js';

const frameworks = [
  { name: 'Flask', module: 'flask', debian: 'python3-flask', target: 'flask_app:app' },
  { name: 'Bottle', module: 'bottle', debian: 'python3-bottle', target: 'bottle_app:app' },
];

for (const framework of frameworks) {
  const present = hasPythonModule(framework.module);
  const title = present
    ? `a real ${framework.name} app`
    : `a real ${framework.name} app (SKIPPED: ${PYTHON} cannot import ${framework.module}; apt-get install -y ${framework.debian})`;
  if (!present) console.warn(`${title}`);

  describe.skipIf(!present).each(frontEnds)(`${title} on the $name`, (frontEnd) => {
    const { server } = usePythonApp(frontEnd, framework.target);
    const send = (bytes: string): Promise<ParsedResponse> => fetchRaw(server.port, bytes, 15_000);
    const body = (type: string, text: string): Array<[string, string]> => [['Content-Type', type], ['Content-Length', String(Buffer.byteLength(text))]];

    it('routes, with path parameters, query strings and 404s', async () => {
      expect((await send(request('GET', '/hello'))).body).toBe(`Hello from ${framework.name}`);
      const item = await send(request('GET', '/items/42?q=caf%C3%A9'));
      expect(item.header('Content-Type')).toMatch(/^application\/json/);
      expect(JSON.parse(item.body)).toEqual({ id: 42, script_name: framework.name === 'Flask' ? '' : '/', query: 'café' });
      expect((await send(request('GET', '/items/0'))).status).toBe(404);
      expect((await send(request('GET', '/nowhere'))).status).toBe(404);
    });

    it('reads form and JSON bodies', async () => {
      const form = 'name=Ada+Lovelace&tag=a&tag=b';
      expect((await send(request('POST', '/form', body('application/x-www-form-urlencoded', form), form))).body)
        .toBe('name=Ada Lovelace, tags=a,b');
      const json = JSON.stringify({ numbers: [1, 2, 3], word: 'mot' });
      const answer = await send(request('POST', '/json', body('application/json', json), json));
      expect(JSON.parse(answer.body)).toEqual({ received: { numbers: [1, 2, 3], word: 'mot' }, total: 6 });
    });

    it('reads a 4 MiB upload sent with Expect: 100-continue', async () => {
      const size = 4 * 1024 * 1024;
      const client = await RawClient.connect(server.port);
      client.write(request('PUT', '/upload', [['Content-Length', String(size)], ['Expect', '100-continue']]));
      expect(await client.readUntil('\r\n\r\n', 15_000)).toBe('HTTP/1.1 100 Continue\r\n\r\n');
      client.write(Buffer.alloc(size, 0x61));
      expect(parseResponse(await client.readResponse(15_000)).body).toBe(String(size));
      client.close();
    });

    it('streams a generator chunked', async () => {
      const streamed = await send(request('GET', '/stream'));
      expect(streamed.header('Transfer-Encoding')).toBe('chunked');
      expect(streamed.body).toBe('line 0\nline 1\nline 2\n');
    });

    it("answers an exception in a view with the framework's own 500", async () => {
      const failed = await send(request('GET', '/error'));
      expect(failed.status).toBe(500);
      expect(failed.body).toMatch(/Internal Server Error/);
    });
  });
}
