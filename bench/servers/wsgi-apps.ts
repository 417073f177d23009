import type { Environ, StartResponse, WsgiApp } from '@wsgi-bridge/server';
import { CHUNK_SIZE, chunksOf, DOWNLOAD_PATH, HELLO, requestedBytes, UPLOAD_PATH } from '../config.js';

/** The hello_world of eventlet's documentation, as a Node user writes it. */
export const helloWorld: WsgiApp = (_env, startResponse) => {
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [HELLO];
};

/** Reads the body as a ported eventlet app does: read(65536) until it comes back empty. */
async function upload(env: Environ, startResponse: StartResponse): Promise<string[]> {
  const input = env['wsgi.input'];
  let total = 0;
  for (let chunk = await input.read(CHUNK_SIZE); chunk.length > 0; chunk = await input.read(CHUNK_SIZE)) {
    total += chunk.length;
  }
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [String(total)];
}

/** Streams the requested size as an async generator of 64 KiB chunks. */
function download(env: Environ, startResponse: StartResponse): AsyncGenerator<Buffer> {
  const size = requestedBytes(env.QUERY_STRING);
  startResponse('200 OK', [['Content-Type', 'application/octet-stream'], ['Content-Length', String(size)]]);
  return generate(size);
}

async function* generate(size: number): AsyncGenerator<Buffer> {
  yield* chunksOf(size);
}

/** Every route the standalone contender serves; anything but the two streams is hello world. */
export const benchApp: WsgiApp = (env, startResponse) => {
  switch (env.PATH_INFO) {
    case UPLOAD_PATH:
      return upload(env, startResponse);
    case DOWNLOAD_PATH:
      return download(env, startResponse);
    default:
      return helloWorld(env, startResponse);
  }
};
