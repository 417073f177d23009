import type { ResponseHead } from './start-response.js';

/**
 * Where a response goes. The core decides what to send (status, headers, which bytes,
 * when); a sink puts it on the wire: straight onto a ServerResponse, or through a
 * framework's reply so its hooks see it.
 */
export interface ResponseSink {
  /** Bytes put on the wire so far, head and framing included (for the access log). */
  readonly bytesWritten: number;
  /** Whether the final head has gone out. */
  readonly headersSent: boolean;
  /**
   * Send the head. `length` is the body's size when known (a list body), else -1;
   * `bodyless` is true for HEAD, 1xx, 204 and 304.
   */
  head(head: ResponseHead, length: number, bodyless: boolean): void;
  /** Send the head and a whole body (null: none) of `length` bytes in one go. */
  whole(head: ResponseHead, body: Buffer | string | null, length: number, bodyless: boolean): void;
  /** Write body bytes; false means wait for the drain callback before writing more. */
  write(data: Buffer): boolean;
  /** The body is complete. */
  end(): void;
  /** The body fell short of its Content-Length: close the connection once what was written is out. */
  endShort(): void;
  /** Give up on the response mid-way: the client must see it broken, with no terminator. */
  abort(): void;
  /** A 500 for an app error raised before the head went out. */
  serverError(body: Buffer): void;
  /** Call `drain` when a full buffer empties, and `gone(true)` when the client left before the end. */
  watch(drain: () => void, gone: () => void): void;
  /** Resolves once the response is fully sent or the client went away. */
  done(): Promise<void>;
}
