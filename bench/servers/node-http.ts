import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { chunksOf, DOWNLOAD_PATH, HELLO, requestedBytes, UPLOAD_PATH } from '../config.js';
import { listening } from './listening.js';

/** The baseline: what a user writes on bare node:http for the same three routes. */
export function start(): Promise<number> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/';
    const mark = url.indexOf('?');
    const path = mark === -1 ? url : url.slice(0, mark);
    if (path === UPLOAD_PATH) void upload(req, res);
    else if (path === DOWNLOAD_PATH) void download(res, requestedBytes(url.slice(mark + 1)));
    else hello(res);
  });
  return listening(server);
}

// Content-Length as ours sends it, so both put the same bytes on the wire (no chunking).
const HELLO_LENGTH = String(Buffer.byteLength(HELLO));

function hello(res: ServerResponse): void {
  res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': HELLO_LENGTH });
  res.end(HELLO);
}

async function upload(req: IncomingMessage, res: ServerResponse): Promise<void> {
  let total = 0;
  for await (const chunk of req) total += (chunk as Buffer).length;
  res.writeHead(200, { 'Content-Type': 'text/plain' });
  res.end(String(total));
}

async function download(res: ServerResponse, size: number): Promise<void> {
  res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) });
  for (const chunk of chunksOf(size)) {
    if (!res.write(chunk)) await once(res, 'drain');
  }
  res.end();
}
