import { once } from 'node:events';
import { request, type IncomingMessage } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { chunksOf, downloadUrl, UPLOAD_PATH } from './config.js';

const MiB = 1024 * 1024;

/** POST `bytes` to the upload route as fast as the server takes them; resolves with MiB/s. */
export async function upload(port: number, bytes: number): Promise<number> {
  const started = performance.now();
  const req = request({
    host: '127.0.0.1', port, method: 'POST', path: UPLOAD_PATH, agent: false,
    headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(bytes) },
  });
  const responded = once(req, 'response') as Promise<[IncomingMessage]>;
  for (const chunk of chunksOf(bytes)) {
    if (!req.write(chunk)) await once(req, 'drain');
  }
  req.end();
  const [res] = await responded;
  const answer = await text(res);
  if (answer !== String(bytes)) throw new Error(`upload: the server counted ${answer} bytes of ${bytes}`);
  return bytes / MiB / ((performance.now() - started) / 1000);
}

/**
 * GET `bytes` from the download route; resolves with MiB/s. With `limitMiBps` the client
 * reads no faster than that, so a server without backpressure would pile the rest up.
 */
export async function download(port: number, bytes: number, limitMiBps?: number): Promise<number> {
  const started = performance.now();
  const req = request({ host: '127.0.0.1', port, path: downloadUrl(bytes), agent: false });
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let received = 0;
  for await (const chunk of res) {
    received += (chunk as Buffer).length;
    if (limitMiBps !== undefined) {
      const due = (received / MiB / limitMiBps) * 1000 - (performance.now() - started);
      if (due > 0) await sleep(due);
    }
  }
  if (received !== bytes) throw new Error(`download: received ${received} bytes of ${bytes}`);
  return bytes / MiB / ((performance.now() - started) / 1000);
}

async function text(res: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of res) body += String(chunk);
  return body;
}
