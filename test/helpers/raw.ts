import net from 'node:net';

/**
 * A raw TCP client for tests where framing matters: write bytes, read exactly
 * what the server sent, see when it closes the connection.
 */
export class RawClient {
  readonly socket: net.Socket;
  #buffer = Buffer.alloc(0);
  #closed = false;
  #waiters: Array<() => void> = [];

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (data: Buffer) => {
      this.#buffer = Buffer.concat([this.#buffer, data]);
      this.#notify();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#notify();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, host = '127.0.0.1'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host, () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  write(data: string | Buffer): void {
    this.socket.write(typeof data === 'string' ? Buffer.from(data, 'latin1') : data);
  }

  /** Everything received so far, and forget it. */
  take(): string {
    const text = this.#buffer.toString('latin1');
    this.#buffer = Buffer.alloc(0);
    return text;
  }

  /** Wait until the received text contains `marker`; return everything up to and including it. */
  async readUntil(marker: string, timeoutMs = 5000): Promise<string> {
    await this.#waitFor(() => this.#buffer.includes(marker, 0, 'latin1'), timeoutMs, `"${marker}"`);
    const end = this.#buffer.indexOf(marker, 0, 'latin1') + Buffer.byteLength(marker, 'latin1');
    const text = this.#buffer.subarray(0, end).toString('latin1');
    this.#buffer = this.#buffer.subarray(end);
    return text;
  }

  /** Read one whole response (head plus a Content-Length, chunked or close-delimited body). */
  async readResponse(timeoutMs = 5000, head = false): Promise<string> {
    const header = await this.readUntil('\r\n\r\n', timeoutMs);
    if (head || /^HTTP\/1\.[01] (1\d\d|204|304) /.test(header)) return header;
    const length = /\r\ncontent-length: *(\d+)/i.exec(header);
    if (length) return header + (await this.readBytes(Number(length[1]), timeoutMs));
    if (/\r\ntransfer-encoding: *chunked/i.test(header)) return header + (await this.readChunked(timeoutMs));
    return header + (await this.readToEnd(timeoutMs));
  }

  /** Read a chunked body to its terminator, framing included. */
  async readChunked(timeoutMs = 5000): Promise<string> {
    let body = '';
    for (;;) {
      const line = await this.readUntil('\r\n', timeoutMs);
      body += line;
      const size = parseInt(line, 16);
      if (size === 0) return body + (await this.readUntil('\r\n', timeoutMs));
      body += await this.readBytes(size + 2, timeoutMs);
    }
  }

  async readBytes(n: number, timeoutMs = 5000): Promise<string> {
    await this.#waitFor(() => this.#buffer.length >= n, timeoutMs, `${n} bytes`);
    const text = this.#buffer.subarray(0, n).toString('latin1');
    this.#buffer = this.#buffer.subarray(n);
    return text;
  }

  /** Wait for the server to close the connection; return what came before. */
  async readToEnd(timeoutMs = 5000): Promise<string> {
    await this.#waitFor(() => this.#closed, timeoutMs, 'the connection to close');
    return this.take();
  }

  /** Whether the server closes the connection within `ms`. */
  async closesWithin(ms: number): Promise<boolean> {
    try {
      await this.#waitFor(() => this.#closed, ms, 'close');
      return true;
    } catch {
      return false;
    }
  }

  close(): void {
    this.socket.destroy();
  }

  #notify(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  async #waitFor(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!ready()) {
      if (this.#closed && !ready()) throw new Error(`connection closed while waiting for ${what}; got ${JSON.stringify(this.#buffer.toString('latin1'))}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.#buffer.toString('latin1'))}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }
}

/**
 * Send `data` on a new connection and return all the server sends until it closes. A
 * server that has not closed within `timeoutMs` fails the exchange: every caller expects
 * a close (an HTTP/1.0 request, Connection: close, a refusal or a timeout).
 */
export async function rawExchange(port: number, data: string | Buffer, timeoutMs = 2000): Promise<string> {
  const client = await RawClient.connect(port);
  client.write(data);
  try {
    return await client.readToEnd(timeoutMs);
  } finally {
    client.close();
  }
}

/** Replace Date header values so whole responses can be compared byte for byte. */
export const maskDate = (text: string): string => text.replace(/\r\nDate: [^\r]+/g, '\r\nDate: …');
