import { STATUS_CODES } from 'node:http';
import { Readable } from 'node:stream';
import { cutOff, groupHeaders, lowercaseHeaderName, responseDone, type ResponseHead, type ResponseSink } from '@wsgi-bridge/core/adapter';
import type { FastifyReply } from 'fastify';

// How much of a streamed body may wait in Fastify's pipe before the app is held back.
const STREAM_HIGH_WATER_MARK = 64 * 1024;

/**
 * A streamed response body for `reply.send(stream)`. The app's chunks are pushed in;
 * Fastify pipes them to the client. `_read` is Node asking for more, which is exactly
 * the moment a held-back app may go on: the sink's drain.
 */
class BodyStream extends Readable {
  readonly #wanted: () => void;

  constructor(wanted: () => void) {
    super({ highWaterMark: STREAM_HIGH_WATER_MARK });
    this.#wanted = wanted;
  }

  override _read(): void {
    this.#wanted();
  }
}

const CHARSET = /;\s*charset=/i;

/** Whether Fastify sends a string body without touching its Content-Type (it adds a charset to a JSON one). */
function keepsStringsAsTheyAre(reply: FastifyReply): boolean {
  const type = reply.getHeader('content-type');
  return typeof type === 'string' && (!type.includes('json') || CHARSET.test(type));
}

/**
 * reply.header(), but for the one name that Fastify's plain header object cannot hold as a
 * key (it would set the object's prototype and the header would be lost): that one goes
 * onto the ServerResponse, whose header store has no prototype, so hooks do not see it.
 */
function setHeader(reply: FastifyReply, lower: string, value: string | string[]): void {
  if (lower === '__proto__') reply.raw.setHeader(lower, value);
  else reply.header(lower, value);
}

// Node's private flag for "close the connection after this response" (see endShort).
interface ClosingResponse {
  _last?: boolean;
}

/**
 * Sends a WSGI response through Fastify's `reply`, so onSend and onResponse hooks, the
 * logger and `reply.statusCode` see it: a list body goes out as one `reply.send(buffer)`,
 * anything else as `reply.send(stream)` with backpressure. The core has already decided
 * status, headers and bytes; Fastify frames them (Content-Length, chunking, Date).
 */
export class FastifySink implements ResponseSink {
  /** Body bytes handed to Fastify: it frames the response, so head and framing are not counted. */
  bytesWritten = 0;
  /** True from the moment the response is handed to `reply.send`: from then on it is committed. */
  headersSent = false;

  readonly #reply: FastifyReply;
  #body: BodyStream | null = null;
  #drain: (() => void) | null = null;
  /** The core has ended the streamed body (end or endShort). */
  #ended = false;

  constructor(reply: FastifyReply) {
    this.#reply = reply;
  }

  head(head: ResponseHead, _length: number, bodyless: boolean): void {
    this.#start(head);
    if (bodyless) {
      this.#reply.send();
      return;
    }
    this.#body = new BodyStream(() => this.#drain?.());
    this.#reply.send(this.#body);
  }

  whole(head: ResponseHead, body: Buffer | string | null, length: number, bodyless: boolean): void {
    this.#start(head);
    const reply = this.#reply;
    // A HEAD keeps its body so that Fastify computes the Content-Length a GET would get;
    // Node sends none of it. 204 and 304 must not even announce one.
    if (body === null || (bodyless && reply.request.method !== 'HEAD')) {
      reply.send();
      return;
    }
    if (!bodyless) this.bytesWritten += length;
    // Node sends a string body in one write with the head. But for a string Fastify would
    // supply a missing Content-Type, or add a charset to a JSON one: such bodies go as bytes.
    reply.send(typeof body === 'string' && !keepsStringsAsTheyAre(reply) ? Buffer.from(body) : body);
  }

  write(data: Buffer): boolean {
    this.bytesWritten += data.length;
    return this.#body!.push(data);
  }

  end(): void {
    this.#ended = true;
    this.#body?.push(null);
  }

  endShort(): void {
    const raw = this.#reply.raw;
    // Ending normally would leave the connection open for a next request that the
    // client would read as the rest of this body. Node closes after a response whose
    // head said so (shouldKeepAlive) or, once the head is out, that carries `_last`.
    raw.shouldKeepAlive = false;
    (raw as ClosingResponse)._last = true;
    this.end();
  }

  abort(): void {
    const raw = this.#reply.raw;
    const body = this.#body;
    if (body === null || raw.headersSent) return cutOff(raw);
    // Fastify writes the head when it starts piping the body, after its onSend hooks: cut
    // once the bytes sent so far are in, so the client sees a broken 200, not an empty
    // reply it may retry. ('resume' comes just before the buffered chunks flow.)
    body.once('resume', () => setImmediate(cutOff, raw));
  }

  serverError(body: Buffer): void {
    this.headersSent = true;
    this.#reply.code(500).header('content-type', 'text/plain').send(body);
  }

  watch(drain: () => void, gone: () => void): void {
    this.#drain = drain;
    const raw = this.#reply.raw;
    // The client left, or Fastify finished the response with something else than the
    // app's body (its error handler, after an onSend hook failed): the rest of the
    // body has nowhere to go. 'close' may have come already, while an async app was deciding.
    const closed = (): void => {
      if (!raw.writableFinished || !this.#ended) gone();
    };
    if (raw.closed) closed();
    else raw.on('close', closed);
  }

  done(): Promise<void> {
    return responseDone(this.#reply.raw);
  }

  /** Status and headers onto the reply, where hooks can still see and change them. */
  #start(head: ResponseHead): void {
    const reply = this.#reply;
    // Fastify refuses a status above 599 by throwing: the response is then not committed
    // yet, and the error goes to Fastify's error handler like any app error.
    reply.code(head.statusCode);
    this.headersSent = true;
    // A 1xx as the final status: the client takes it as interim and waits for another
    // response, which only the close ends.
    if (head.statusCode < 200) reply.raw.shouldKeepAlive = false;
    // Node fills in the standard reason itself; only a custom one needs setting.
    if (head.reason !== STATUS_CODES[head.statusCode]) reply.raw.statusMessage = head.reason;
    // Names go in lowercase, as Fastify keeps them, so that its lookups find them at once.
    const headers = head.headers;
    if (headers.length === 2) {
      setHeader(reply, lowercaseHeaderName(headers[0]!), headers[1]!);
      return;
    }
    // reply.header() replaces a name already set (Set-Cookie aside): group repeats first.
    for (const [lower, [, values]] of groupHeaders(headers)) setHeader(reply, lower, values.length === 1 ? values[0]! : values);
  }
}
