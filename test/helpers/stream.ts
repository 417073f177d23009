// Streamed bodies for the streaming tests: numbered pieces hashed as they are made, and an
// app that hashes what wsgi.input hands it, so a lost, repeated or reordered piece shows.
import { createHash, randomBytes, type Hash } from 'node:crypto';
import type { WsgiApp } from '@wsgi-bridge/core';

/** The size of a piece, and of each read the upload app asks for. */
export const CHUNK = 64 * 1024;

/** Random bytes every piece is cut from. */
export const pattern = randomBytes(CHUNK);

/**
 * `total` bytes in CHUNK pieces (the last at least 12 bytes), each numbered so that a lost,
 * repeated or reordered piece changes the hash. After the first piece it waits for
 * `afterFirst()` (the other side saw it), so the rest cannot have been sent ahead of time.
 */
export async function* numberedChunks(total: number, hash: Hash, afterFirst?: () => Promise<void>): AsyncGenerator<Buffer> {
  for (let n = 0; n * CHUNK < total; n++) {
    const piece = Buffer.from(pattern.subarray(0, Math.min(CHUNK, total - n * CHUNK)));
    piece.writeUInt32LE(n, 8);
    hash.update(piece);
    yield piece;
    if (n === 0 && afterFirst !== undefined) await afterFirst();
  }
}

/** What {@link hashingUpload} answers, as JSON. */
export interface UploadReport {
  total: number;
  biggest: number;
  digest: string;
}

/**
 * An app that reads its body CHUNK bytes at a time, calling `onBytes` after each read that
 * got some, and answers with the total, the biggest read and the sha256 as JSON.
 */
export function hashingUpload(onBytes: () => void = () => {}): WsgiApp {
  return async (environ, startResponse) => {
    const input = environ['wsgi.input'];
    const hash = createHash('sha256');
    const report: UploadReport = { total: 0, biggest: 0, digest: '' };
    for (let piece = await input.read(CHUNK); piece.length > 0; piece = await input.read(CHUNK)) {
      onBytes();
      hash.update(piece);
      report.total += piece.length;
      report.biggest = Math.max(report.biggest, piece.length);
    }
    report.digest = hash.digest('hex');
    startResponse('200 OK', [['Content-Type', 'application/json']]);
    return [JSON.stringify(report)];
  };
}
