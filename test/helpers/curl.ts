import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** What a curl run printed. */
export interface CurlRun {
  stdout: string;
  stderr: string;
}

/** Run curl with `args`; resolves when it exits. */
export function curl(args: string[]): Promise<CurlRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', args);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', () => resolve({ stdout, stderr }));
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
 * curl sends `Expect: 100-continue` with an upload and waits up to 1 s for the 100; when
 * that runs out it says so in its verbose output and sends the body anyway. Its own word
 * is the measure of whether it waited, whatever the machine's load.
 */
export function curlWaitedFor100(run: CurlRun): boolean {
  return run.stderr.includes('Done waiting for 100-continue');
}
