/** What the contenders serve and the clients ask for, shared by both sides of the bench. */

export const HELLO = 'Hello, World!\r\n';

/** The chunk size of both streaming directions: wsgi.input.read(65536), 64 KiB yields and writes. */
export const CHUNK_SIZE = 65536;

/** One chunk of body bytes, reused for every write: the bench measures the server, not the allocator. */
export const CHUNK = Buffer.alloc(CHUNK_SIZE, 0x61);

export const UPLOAD_PATH = '/upload';
export const DOWNLOAD_PATH = '/download';

/** `/download?bytes=N`: how many bytes the client wants back. */
export function downloadUrl(bytes: number): string {
  return `${DOWNLOAD_PATH}?bytes=${bytes}`;
}

export function requestedBytes(query: string): number {
  const match = /(?:^|&)bytes=(\d+)/.exec(query);
  return match === null ? 0 : Number(match[1]);
}

/** The slices of CHUNK that make up `size` bytes, without copying. */
export function* chunksOf(size: number): Generator<Buffer> {
  for (let sent = 0; sent < size; sent += CHUNK_SIZE) {
    yield size - sent >= CHUNK_SIZE ? CHUNK : CHUNK.subarray(0, size - sent);
  }
}
