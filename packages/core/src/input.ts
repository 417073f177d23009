import type { BodySource } from './body-source.js';
import { WsgiError } from './errors.js';
import { continueHeaders, type HundredContinue } from './hundred-continue.js';
import type { HeaderList } from './types.js';

const EMPTY = Buffer.alloc(0);
const NEWLINE = 0x0a;

/**
 * `environ['wsgi.input']`: the request body as PEP 3333's input stream, with Python's
 * blocking reads turned into promises. It never reads past the body; at the end it
 * returns an empty buffer. The first read sends a pending "100 Continue".
 */
export class WsgiInput {
  #source: BodySource;
  readonly #continue: HundredContinue | null;
  #chunks: Buffer[] = [];
  #buffered = 0;
  /**
   * Where the first chunk's memory may be written over (see `#roomInFirst`): the offset
   * below which the app holds views of it, or -1 when it is not ours to write.
   */
  #floor = -1;
  #ended = false;
  #started = false;
  /** Reads called and not yet settled; the last one's promise, for the next to wait on. */
  #active = 0;
  #last: Promise<unknown> | null = null;

  constructor(source: BodySource, hundredContinue: HundredContinue | null) {
    this.#source = source;
    this.#continue = hundredContinue;
  }

  /** Whether the app has started reading the body. */
  get started(): boolean {
    return this.#started;
  }

  /** Read `size` bytes (fewer at the end), or all that is left when `size` is omitted or negative. */
  read(size?: number | null): Promise<Buffer> {
    return this.#inOrder(this.#read, size);
  }

  /**
   * Read up to `size` bytes (all that is buffered when `size` is omitted or negative): those
   * already received, or else the next chunk to arrive; empty at the end. Python's
   * `BufferedReader.read1`: for a reader that passes the body on as it comes.
   */
  read1(size?: number | null): Promise<Buffer> {
    return this.#inOrder(this.#read1, size);
  }

  /** Read one line, up to and including `\n`, or at most `size` bytes. */
  readline(size?: number | null): Promise<Buffer> {
    return this.#inOrder(this.#readline, size);
  }

  /** Read lines to the end; with a positive `hint`, stop once that many bytes are read. */
  readlines(hint?: number | null): Promise<Buffer[]> {
    return this.#inOrder(this.#readlines, hint);
  }

  async #read(size: number | null | undefined): Promise<Buffer> {
    try {
      const limit = checkSize(size, 'read');
      this.#start();
      const want = limit < 0 ? Infinity : limit;
      while (this.#buffered < want) {
        const more = this.#fill();
        if (!(more === true || (more !== false && (await more)))) break;
      }
      return this.#take(Math.min(want, this.#buffered));
    } finally {
      this.#active--;
    }
  }

  async #read1(size: number | null | undefined): Promise<Buffer> {
    try {
      const limit = checkSize(size, 'read1');
      this.#start();
      while (this.#buffered === 0) {
        const more = this.#fill();
        if (!(more === true || (more !== false && (await more)))) break;
      }
      return this.#take(limit < 0 ? this.#buffered : Math.min(limit, this.#buffered));
    } finally {
      this.#active--;
    }
  }

  async #readline(size: number | null | undefined): Promise<Buffer> {
    try {
      return await this.#line(size);
    } finally {
      this.#active--;
    }
  }

  async #readlines(hint: number | null | undefined): Promise<Buffer[]> {
    try {
      const limit = checkSize(hint, 'readlines');
      const lines: Buffer[] = [];
      let total = 0;
      for (;;) {
        const line = await this.#line(undefined);
        if (line.length === 0) return lines;
        lines.push(line);
        total += line.length;
        if (limit > 0 && total >= limit) return lines;
      }
    } finally {
      this.#active--;
    }
  }

  /** One line, up to and including `\n`, or at most `size` bytes. */
  async #line(size: number | null | undefined): Promise<Buffer> {
    const limit = checkSize(size, 'readline');
    this.#start();
    let scanned = 0;
    for (;;) {
      const end = this.#lineEnd(scanned);
      if (end !== -1) return this.#take(limit < 0 ? end : Math.min(end, limit));
      if (limit >= 0 && this.#buffered >= limit) return this.#take(limit);
      scanned = this.#buffered;
      const more = this.#fill();
      if (!(more === true || (more !== false && (await more)))) return this.#take(this.#buffered);
    }
  }

  /** `for await (const line of environ['wsgi.input'])`. */
  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer, void, undefined> {
    for (;;) {
      const line = await this.readline();
      if (line.length === 0) return;
      yield line;
    }
  }

  /**
   * eventlet: headers to send with the next "100 Continue" (names capitalized:
   * `Header-k` → `Header-K`; values must be latin-1 without CR or LF).
   */
  set_hundred_continue_response_headers(headers: HeaderList): void {
    const valid = continueHeaders(headers);
    this.#continue?.setHeaders(valid);
  }

  /**
   * eventlet: send another "100 Continue" now, unless the final response has started
   * or the client did not ask for one (it has nothing to wait for). After a chunked
   * body has been read to its end, the following reads read the next chunked body;
   * with Content-Length they go on in the same body.
   */
  send_hundred_continue_response(): void {
    const hundred = this.#continue;
    if (hundred === null || !hundred.open) return;
    this.#started = true;
    // Take the next body's bytes before the client can send them (it waits for this 100).
    const next = this.#ended ? hundred.nextBody() : null;
    hundred.send();
    if (next === null) return;
    this.#source = next;
    this.#ended = false;
  }

  /**
   * Reads run one after another, in the order they were called: two reads awaited
   * together get consecutive parts of the body. No chaining when none is in flight.
   */
  #inOrder<A, T>(operation: (this: WsgiInput, arg: A) => Promise<T>, arg: A): Promise<T> {
    const run = this.#active++ === 0
      ? operation.call(this, arg)
      : this.#last!.then(() => operation.call(this, arg), () => operation.call(this, arg));
    this.#last = run;
    return run;
  }

  #start(): void {
    if (this.#started) return;
    this.#started = true;
    if (this.#continue?.pending) this.#continue.send();
  }

  /** Get the next chunk: true if there may be more, false at the end; a promise only when it must wait. */
  #fill(): boolean | Promise<boolean> {
    if (this.#ended) return false;
    const next = this.#source.next();
    // A closure only for a chunk that has to be waited for: most requests never wait.
    return next instanceof Promise ? next.then((chunk) => this.#accept(chunk)) : this.#accept(next);
  }

  #accept(chunk: Buffer | null): boolean {
    if (chunk === null) {
      this.#ended = true;
      return false;
    }
    if (chunk.length > 0) {
      if (this.#chunks.length === 0) this.#floor = this.#reusable(chunk);
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
    }
    return true;
  }

  /** Bytes up to and including the first `\n` at or after `from`, or -1. */
  #lineEnd(from: number): number {
    let offset = 0;
    for (const chunk of this.#chunks) {
      if (offset + chunk.length > from) {
        const at = chunk.indexOf(NEWLINE, Math.max(0, from - offset));
        if (at !== -1) return offset + at + 1;
      }
      offset += chunk.length;
    }
    return -1;
  }

  #take(n: number): Buffer {
    if (n === 0) return EMPTY;
    const chunks = this.#chunks;
    this.#buffered -= n;
    const first = chunks[0]!;
    if (first.length === n) {
      chunks.shift();
      this.#floor = this.#reusable(chunks[0]);
      return first;
    }
    if (first.length > n) {
      chunks[0] = first.subarray(n);
      if (this.#floor !== -1) this.#floor = first.byteOffset + n; // the app now holds what lies below
      return first.subarray(0, n);
    }
    // n spans chunks, so it needs one stretch of memory: the first chunk's own when it
    // has room, which saves allocating and copying into a new buffer on every read.
    let out = this.#roomInFirst(first, n);
    let at = 0;
    if (out === null) out = Buffer.allocUnsafe(n);
    else {
      chunks.shift();
      at = first.length;
    }
    while (at < n) {
      const chunk = chunks[0]!;
      const want = n - at;
      if (chunk.length <= want) {
        out.set(chunk, at);
        at += chunk.length;
        chunks.shift();
        this.#floor = this.#reusable(chunks[0]);
      } else {
        out.set(chunk.subarray(0, want), at);
        chunks[0] = chunk.subarray(want);
        this.#floor = this.#reusable(chunk); // its head is copied out: free to write over
        at = n;
      }
    }
    return out;
  }

  /**
   * `n` bytes of the first chunk's memory, its data moved to their start, when no one
   * else can see that memory; null otherwise.
   */
  #roomInFirst(first: Buffer, n: number): Buffer | null {
    const floor = this.#floor;
    const end = first.byteOffset + first.length; // a reusable first chunk ends where its memory ends
    if (floor === -1 || floor + n > end) return null;
    const room = Buffer.from(first.buffer, floor, end - floor);
    room.copyWithin(0, first.byteOffset - floor);
    return end - floor === n ? room : room.subarray(0, n);
  }

  /**
   * Where `#roomInFirst` may start writing in a chunk that has just become the first:
   * 0 when its memory is its own and no one else has seen it, -1 when it must not be written.
   */
  #reusable(chunk: Buffer | undefined): number {
    return chunk !== undefined && chunk.byteOffset === 0 && chunk.length === chunk.buffer.byteLength &&
      this.#source.exclusive === true ? 0 : -1;
  }
}

function checkSize(size: number | null | undefined, method: string): number {
  if (size === undefined || size === null) return -1;
  if (typeof size !== 'number' || !Number.isInteger(size)) {
    throw new WsgiError('WSGI_ERR_INPUT_ARGUMENT', `${method}() takes an integer size, got ${String(size)}`);
  }
  return size;
}
