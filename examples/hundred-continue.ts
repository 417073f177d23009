// eventlet's "100 Continue" response headers, on Node: the 100 goes out lazily, on the
// first read of wsgi.input, carrying the headers the app set; an app that answers
// without reading sends no 100 at all, so the client never uploads what is refused.
//
//   curl -v -T big.file http://127.0.0.1:8090/           -> 100 with the two headers, then 200
//   curl -v -T big.file -H 'X-Refuse: 1' http://127.0.0.1:8090/   -> 417, no 100, nothing uploaded
import { listen, server, type WsgiApp } from '@wsgi-bridge/server';

const MAX_UPLOAD = 64 * 1024 * 1024;

export const upload: WsgiApp = async (env, startResponse) => {
  if (env.HTTP_X_REFUSE !== undefined || Number(env.CONTENT_LENGTH ?? 0) > MAX_UPLOAD) {
    startResponse('417 Expectation Failed', [['Content-Type', 'text/plain']]);
    return ['not accepted\n'];
  }
  // Sent with the 100, before the client starts its upload: a hint it can act on.
  env['wsgi.input'].set_hundred_continue_response_headers([
    ['Hundred-Continue-Header-1', 'H1'],
    ['Accept-Encrypted', 'no'],
  ]);
  let size = 0;
  for (;;) {
    const chunk = await env['wsgi.input'].read(65536); // the first read sends the 100
    if (chunk.length === 0) break;
    size += chunk.length;
  }
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  return [`received ${size} bytes\n`];
};

const sock = listen(['', Number(process.env.PORT ?? 8090)]);
process.once('SIGTERM', () => sock.close());
process.once('SIGINT', () => sock.close());
await server(sock, upload);
