/**
 * The frames between Node and a Python worker: `[u32 big-endian payload length][u8 type][payload]`.
 * Control payloads are JSON or a few fixed bytes; body bytes go raw.
 */

/** Frame types, one ASCII letter each, as `wsgi_bridge.py` names them. */
export const Frame = {
  // Node -> Python
  OPTIONS: 0x4f, // 'O' {path, environ}: once, before the import
  REQUEST: 0x51, // 'Q' the request's string environ keys, as JSON
  NEXT: 0x4e, // 'N' the next body chunk, please
  CLOSE: 0x43, // 'C' call the body's close()
  POSTHOOKS: 0x50, // 'P' run the post hooks now
  BYTES: 0x49, // 'I' request body bytes within Python's credit; empty: the end of the body
  INPUT_FAILED: 0x46, // 'F' UTF-8 message: reading the body failed (client gone, body cut short)
  INPUT_STOPPED: 0x53, // 'S' the body's stream stopped, as Python asked
  ACK: 0x41, // 'A' done (answer to WRITE and the 100 Continue calls)
  ERROR: 0x45, // 'E' the Node side failed: UTF-8 message, raised in Python
  // Python -> Node
  READY: 0x6b, // 'k' the app imported
  IMPORT_FAILED: 0x58, // 'X' UTF-8 traceback, then the worker exits
  HEAD: 0x68, // 'h' [status, [[name, value], ...], eventlet.minimum_write_chunk_size?] before the first bytes
  LIST_BODY: 0x6c, // 'l' [flags][the whole body]: a list, or an iterable that ended at its first chunk or filled its Content-Length
  ITERABLE: 0x69, // 'i' [the first chunk] of an iterable: the next ones come one per NEXT
  DATA: 0x64, // 'd' one chunk
  END: 0x65, // 'e' the iterable is exhausted
  WRITE: 0x77, // 'w' write() bytes: wait for ACK or ERROR
  RAISED: 0x78, // 'x' [flags][UTF-8 traceback]
  CLOSED: 0x63, // 'c' [flags] close() done
  HOOKS_RUN: 0x70, // 'p' post hooks done
  CREDIT: 0x72, // 'r' [u32 count] Node may send this many more body bytes; the first starts the stream
  STOP_INPUT: 0x73, // 's' the request is over: stop the body's stream
  CONTINUE_HEADERS: 0x31, // '1' JSON header list for set_hundred_continue_response_headers
  SEND_CONTINUE: 0x32, // '2' send_hundred_continue_response()
  LOG: 0x67, // 'g' UTF-8 text for wsgi.errors; no answer
} as const;

/** The flags byte of LIST_BODY, RAISED and CLOSED: bit 0 says post hooks wait to run. */
export const HAS_HOOKS = 1;

const HEAD_SIZE = 5;
const EMPTY = Buffer.alloc(0);

/** One frame's bytes. */
export function frame(type: number, payload: Buffer = EMPTY): Buffer {
  const out = Buffer.allocUnsafe(HEAD_SIZE + payload.length);
  out.writeUInt32BE(payload.length, 0);
  out[4] = type;
  payload.copy(out, HEAD_SIZE);
  return out;
}

/** One frame whose payload is a string, encoded straight into it: one allocation. */
export function textFrame(type: number, text: string): Buffer {
  const length = Buffer.byteLength(text);
  const out = Buffer.allocUnsafe(HEAD_SIZE + length);
  out.writeUInt32BE(length, 0);
  out[4] = type;
  out.write(text, HEAD_SIZE);
  return out;
}

/** The frame head alone, for a large payload written after it without a copy. */
export function frameHead(type: number, length: number): Buffer {
  const out = Buffer.allocUnsafe(HEAD_SIZE);
  out.writeUInt32BE(length, 0);
  out[4] = type;
  return out;
}

/**
 * Cuts a byte stream into frames. Pieces are kept until a whole frame is there and
 * joined once, so a large frame costs one copy, not one per piece.
 */
export class FrameReader {
  #pieces: Buffer[] = [];
  #size = 0;
  #need = HEAD_SIZE;

  constructor(private readonly onFrame: (type: number, payload: Buffer) => void) {}

  push(piece: Buffer): void {
    this.#pieces.push(piece);
    this.#size += piece.length;
    if (this.#size < this.#need) return;
    const data = this.#pieces.length === 1 ? this.#pieces[0]! : Buffer.concat(this.#pieces, this.#size);
    let at = 0;
    for (;;) {
      if (data.length - at < HEAD_SIZE) {
        this.#need = HEAD_SIZE;
        break;
      }
      const length = data.readUInt32BE(at);
      if (data.length - at - HEAD_SIZE < length) {
        this.#need = HEAD_SIZE + length;
        break;
      }
      const type = data[at + 4]!;
      const start = at + HEAD_SIZE;
      at = start + length;
      this.onFrame(type, data.subarray(start, at));
    }
    const rest = data.length - at;
    this.#pieces = rest === 0 ? [] : [data.subarray(at)];
    this.#size = rest;
  }
}
