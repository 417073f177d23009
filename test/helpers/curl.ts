import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a curl run printed, and how long it took. */
export interface CurlRun {
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run curl with `args`; resolves when it exits. */
export function curl(args: string[]): Promise<CurlRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr, ms: performance.now() - started }));
  });
}

/** A temporary file of `size` bytes for uploads; `remove()` deletes it. */
export function uploadFile(size: number): { path: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'wsgi-bridge-'));
  const path = join(dir, 'upload.bin');
  writeFileSync(path, Buffer.alloc(size, 7));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * curl sends `Expect: 100-continue` with an upload and waits up to 1 s for the 100
 * before it sends the body anyway; well under that means it did not wait.
 */
export const CURL_DID_NOT_WAIT_MS = 900;
