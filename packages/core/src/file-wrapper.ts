import type { FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { WsgiError } from './errors.js';
import { typeName } from './start-response.js';

/** What `environ['wsgi.file_wrapper']` takes: an open file, or any Readable. */
export type FileLike = FileHandle | Readable;

/** `environ['wsgi.file_wrapper'](file, blockSize?)`: a body that streams the file and closes it. */
export type FileWrapperFactory = (file: FileLike, blockSize?: number) => FileWrapper;

/** The default block size: what Node's own file streams read at a time. */
export const DEFAULT_BLOCK_SIZE = 64 * 1024;

/**
 * PEP 3333's optional `wsgi.file_wrapper`: the file's bytes as an async iterable body, one
 * block per step. The server asks for the next block only once the client has taken the
 * last, so a stalled client never makes it read the file into memory. `close()` closes
 * the file, once, whichever of the server (done, client gone, app error) or the app calls it.
 *
 * Node has no sendfile(2) for sockets: the blocks pass through JavaScript, as from any
 * other body. What the wrapper saves is the app's own loop, and the closing on every path.
 */
export class FileWrapper implements AsyncIterable<Buffer> {
  readonly #file: FileLike;
  readonly #blockSize: number;
  #closed = false;

  constructor(file: FileLike, blockSize: number = DEFAULT_BLOCK_SIZE) {
    if (!isFileHandle(file) && !isReadable(file)) {
      throw new WsgiError('WSGI_ERR_BODY', `wsgi.file_wrapper takes an open FileHandle or a Readable, got ${typeName(file)}`);
    }
    if (!Number.isInteger(blockSize) || blockSize < 1) {
      throw new WsgiError('WSGI_ERR_BODY', `wsgi.file_wrapper's block size must be a positive integer, got ${String(blockSize)}`);
    }
    this.#file = file;
    this.#blockSize = blockSize;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    const file = this.#file;
    if (!isFileHandle(file)) {
      for await (const chunk of file) yield chunk as Buffer;
      return;
    }
    for (;;) {
      if (this.#closed) return;
      // A new block each time: the one before may still sit in the socket's queue.
      const block = Buffer.allocUnsafe(this.#blockSize);
      const { bytesRead } = await file.read(block, 0, block.length, null);
      if (bytesRead === 0) return;
      yield bytesRead === block.length ? block : block.subarray(0, bytesRead);
    }
  }

  /** Close the file (once; later calls do nothing). */
  close(): Promise<void> | undefined {
    if (this.#closed) return undefined;
    this.#closed = true;
    const file = this.#file;
    if (isFileHandle(file)) return file.close();
    file.destroy();
    return undefined;
  }
}

/** The one `wsgi.file_wrapper` every environ holds: nothing is made per request. */
export const fileWrapper: FileWrapperFactory = (file, blockSize) => new FileWrapper(file, blockSize);

function isFileHandle(file: unknown): file is FileHandle {
  return typeof (file as FileHandle | null)?.read === 'function' && typeof (file as FileHandle).fd === 'number';
}

function isReadable(file: unknown): file is Readable {
  const stream = file as Readable | null;
  return typeof stream?.destroy === 'function' && typeof stream[Symbol.asyncIterator] === 'function';
}
