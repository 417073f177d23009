// A smoke test of toFetchHandler under Bun: Bun.serve with the handler as its fetch, seen
// from a raw socket, and one in-process call. Bun comes from the npm registry (`.ci/run`
// installs it outside the repo and sets WSGI_BRIDGE_BUN); without it the suite is skipped,
// and says so.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chunked, parseResponse, request } from './helpers/http.js';
import { RawClient } from './helpers/raw.js';

/** The bun binary: $WSGI_BRIDGE_BUN, else `bun` on PATH; null when neither runs. */
function findBun(): string | null {
  for (const candidate of [process.env.WSGI_BRIDGE_BUN, 'bun']) {
    if (candidate && spawnSync(candidate, ['--version'], { stdio: 'ignore' }).status === 0) return candidate;
  }
  return null;
}

const bun = findBun();
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'bun', 'serve.ts');

describe.skipIf(bun === null)('toFetchHandler under Bun (skipped: no bun; set WSGI_BRIDGE_BUN or put bun on PATH)', () => {
  let child: ChildProcess;
  let port: number;
  let inProcess: string;
  beforeAll(async () => {
    child = spawn(bun!, [SCRIPT], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr!.on('data', (data: Buffer) => (stderr += data.toString()));
    const first = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (data: Buffer) => {
        out += data.toString();
        const end = out.indexOf('\n');
        if (end !== -1) resolve(out.slice(0, end));
      });
      child.once('exit', (code) => reject(new Error(`bun exited with ${code}: ${stderr}`)));
    });
    ({ port, inProcess } = JSON.parse(first) as { port: number; inProcess: string });
  }, 30_000);
  afterAll(() => {
    child?.kill();
  });

  it('answers in-process, as a test client calls it', () => {
    expect(inProcess).toBe('hello from Bun');
  });

  it('serves over Bun.serve: environ, REMOTE_ADDR from requestIP, a streamed echo, an error, keep-alive', async () => {
    const client = await RawClient.connect(port);
    try {
      client.write(request('GET', '/legacy/hello'));
      expect(parseResponse(await client.readResponse()).body).toBe('hello from Bun');
      client.write(request('GET', '/legacy/environ?x=1', [['X-Trace', 'abc']]));
      expect(JSON.parse(parseResponse(await client.readResponse()).body)).toMatchObject({
        SCRIPT_NAME: '/legacy', PATH_INFO: '/environ', QUERY_STRING: 'x=1', REMOTE_ADDR: '127.0.0.1', HTTP_X_TRACE: 'abc',
      });
      client.write(request('POST', '/legacy/shout', [['Transfer-Encoding', 'chunked']], chunked('one\n', 'two\n')));
      expect(parseResponse(await client.readResponse()).body).toBe('ONE\nTWO\n');
      client.write(request('GET', '/legacy/fail'));
      expect(parseResponse(await client.readResponse()).status).toBe(500);
      client.write(request('GET', '/legacy/environ'));
      expect(JSON.parse(parseResponse(await client.readResponse()).body)).toMatchObject({ closes: 1 });
    } finally {
      client.close();
    }
  });
});
