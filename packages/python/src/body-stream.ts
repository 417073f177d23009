import type { WsgiInput } from '@wsgi-bridge/core';
import { Frame, frame, textFrame } from './frames.js';
import type { PythonWorker } from './worker.js';

const END = frame(Frame.BYTES);
const STOPPED = frame(Frame.INPUT_STOPPED);

/**
 * The request body streamed to Python as it arrives, within the credit Python grants: Python
 * reads from a buffer it keeps full, so a 64 KiB read costs no round trip, and neither
 * process holds more of the body than the credit. Each stream ends with exactly one frame:
 * an empty `BYTES` (the end of the body), `INPUT_FAILED`, or `INPUT_STOPPED`.
 */
export class BodyStream {
  #credit = 0;
  #running = false;
  #ended = false;

  constructor(
    private readonly worker: PythonWorker,
    private readonly input: WsgiInput,
  ) {}

  /** Python may take `count` more bytes; the first grant starts the stream (and sends a pending 100 Continue). */
  grant(count: number): void {
    if (this.#ended) return; // a grant that crossed the stream's last frame
    this.#credit += count;
    if (!this.#running) void this.#run();
  }

  /** Python is done with the request: end the stream, unless it has ended already. */
  stop(): void {
    this.#end(STOPPED);
  }

  /**
   * After a `send_hundred_continue_response()` the client may send another body: a stream
   * that had ended starts again with Python's next grant, as Python's side does.
   */
  renew(): void {
    if (!this.#ended) return;
    this.#ended = false;
    this.#credit = 0;
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      while (this.#credit > 0) {
        const data = await this.#read();
        if (this.#ended) return; // stopped while the read waited: its bytes go nowhere
        if (data.length === 0) return this.#end(END);
        this.#credit -= data.length;
        this.worker.sendLarge(Frame.BYTES, data);
      }
    } catch (err) {
      this.#end(textFrame(Frame.INPUT_FAILED, err instanceof Error ? err.message : String(err)));
    } finally {
      this.#running = false;
    }
  }

  /**
   * What has come of the body, within the credit. A wsgi.input that a JS middleware put
   * in the environ may have no read1: read() then waits for a block or the end.
   */
  #read(): Promise<Buffer> {
    const input = this.input;
    return typeof input.read1 === 'function' ? input.read1(this.#credit) : input.read(Math.min(this.#credit, 65536));
  }

  #end(last: Buffer): void {
    if (this.#ended) return;
    this.#ended = true;
    this.worker.send(last);
  }
}
