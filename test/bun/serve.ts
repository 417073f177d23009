// Run by test/fetch-bun.test.ts under Bun (not Node): toFetchHandler as Bun.serve's fetch,
// and once in-process. Prints {"port", "inProcess"} as its first line, then serves until killed.
import { toFetchHandler, type Environ, type WsgiApp } from '@wsgi-bridge/fetch';

/** The little of Bun's API this script uses (the tests are type-checked without Bun's types). */
interface BunServer {
  port: number;
  requestIP(request: Request): { address: string } | null;
}
declare const Bun: {
  serve(options: { port: number; hostname: string; fetch: (request: Request, server: BunServer) => Promise<Response> }): BunServer;
};

let closes = 0;

async function* shout(environ: Environ): AsyncGenerator<string> {
  for await (const line of environ['wsgi.input']) yield line.toString('latin1').toUpperCase();
}

const app: WsgiApp = (environ, startResponse) => {
  switch (environ.PATH_INFO) {
    case '/environ':
      startResponse('200 OK', [['Content-Type', 'application/json']]);
      return [JSON.stringify({
        SCRIPT_NAME: environ.SCRIPT_NAME, PATH_INFO: environ.PATH_INFO, QUERY_STRING: environ.QUERY_STRING,
        REMOTE_ADDR: environ.REMOTE_ADDR, HTTP_X_TRACE: environ.HTTP_X_TRACE ?? null, closes,
      })];
    case '/shout':
      environ['eventlet.minimum_write_chunk_size'] = 0;
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return Object.assign(shout(environ), { close: () => void closes++ });
    case '/fail':
      throw new Error('failing under Bun');
    default:
      startResponse('200 OK', [['Content-Type', 'text/plain']]);
      return ['hello from Bun'];
  }
};

const legacy = toFetchHandler(app, {
  scriptName: '/legacy',
  remoteAddr: (request, server?: BunServer) => server?.requestIP(request)?.address, // no server in-process
  errors: () => {},
});
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: legacy }); // Bun passes itself as the context
const inProcess = await (await legacy(new Request('http://localhost/legacy/hello'))).text();
console.log(JSON.stringify({ port: server.port, inProcess }));
