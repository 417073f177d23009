// An upload streams through the bridge without being buffered: 128 MiB read by a Python
// app in 64 KiB reads grows neither the Python worker's peak RSS nor the Node server's
// by more than a fraction of the body. (bench/python.ts measures 256 MiB; see its README.)
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standalone, type Mounted } from './helpers/front-ends.js';
import { testPythonApp } from './helpers/python.js';

const MiB = 1024 * 1024;

/** Upload `size` zero bytes with curl (Content-Length framing); the app's JSON answer. */
function upload(port: number, size: number): Promise<{ size: number; peak_growth_kib: number }> {
  return new Promise((resolve, reject) => {
    const command = `head -c ${size} /dev/zero | curl -sS --fail -H 'Content-Length: ${size}' -H 'Transfer-Encoding:' -T - http://127.0.0.1:${port}/upload`;
    const curl = spawn('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    curl.stdout.on('data', (data: Buffer) => (out += data));
    curl.stderr.on('data', (data: Buffer) => (err += data));
    curl.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`curl failed (${code}): ${err}`))));
  });
}

describe('a Python upload', () => {
  const app = testPythonApp('apps:application');
  let server: Mounted;
  beforeAll(async () => {
    await app.ready;
    server = await standalone.mount(app);
    await upload(server.port, 16 * MiB); // warm up both sides
  });
  afterAll(async () => {
    await server.close();
    await app.close();
  });

  it('streams 128 MiB with little growth of either process', async () => {
    let peak = process.memoryUsage.rss();
    const before = peak;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage.rss());
    }, 5);
    try {
      const answer = await upload(server.port, 128 * MiB);
      expect(answer.size).toBe(128 * MiB);
      expect(answer.peak_growth_kib * 1024).toBeLessThan(8 * MiB);
    } finally {
      clearInterval(sampler);
    }
    expect(peak - before).toBeLessThan(64 * MiB);
  });
});
