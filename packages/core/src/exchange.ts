import { describeError, WsgiError } from './errors.js';
import type { WsgiInput } from './input.js';
import { hasPosthooks, runPosthooks } from './posthooks.js';
import type { RequestLine } from './request-line.js';
import type { WsgiResponse } from './response.js';
import type { ResponseSink } from './sink.js';
import type { Body, Environ, ErrorLog, WsgiApp } from './types.js';

/** What a handled request leaves for the access log. */
export interface RequestOutcome {
  readonly environ: Environ;
  readonly statusCode: number;
  readonly bytesWritten: number;
  readonly aborted: boolean;
  /**
   * When the post hooks began (`performance.now()`), or undefined when there were none:
   * eventlet's access log stops `wall_seconds` there.
   */
  readonly posthooksStartedAt: number | undefined;
}

/** The handler's settings an exchange needs, `R` being what its front end calls a request. */
export interface ExchangeSettings<R extends RequestLine> {
  log: ErrorLog;
  debug: boolean;
  minChunk: number;
  /**
   * Let go of the rest of a body the app started reading and did not finish, so that a
   * kept connection can read the next request. Per handler, not per request: no closure each time.
   */
  discardBody: (request: R) => void;
}

/**
 * One request's life: the app is called, its body sent, closed, the rest of the request
 * body discarded, the post hooks run. Done synchronously when nothing has to wait (a
 * sync app returning a list, no close(), no post hooks): a promise only when something
 * does. The exchange is its own outcome, so the access log costs no extra object.
 */
export class Exchange<R extends RequestLine> implements RequestOutcome {
  posthooksStartedAt: number | undefined = undefined;
  #body: Body | undefined = undefined;

  constructor(
    readonly environ: Environ,
    private readonly settings: ExchangeSettings<R>,
    private readonly request: R,
    private readonly input: WsgiInput,
    private readonly response: WsgiResponse,
    private readonly sink: ResponseSink,
    private readonly onError: ((err: unknown) => void) | undefined,
  ) {}

  get statusCode(): number {
    return this.response.statusCode;
  }

  get bytesWritten(): number {
    return this.sink.bytesWritten;
  }

  get aborted(): boolean {
    return this.response.aborted;
  }

  run(app: WsgiApp): RequestOutcome | Promise<RequestOutcome> {
    try {
      const result = app(this.environ, this.response.startResponse);
      if (result instanceof Promise) return this.#afterWait(result.then((body) => this.#send(body)));
      const sending = this.#send(result);
      if (sending !== undefined) return this.#afterWait(sending);
    } catch (err) {
      this.#fail(err);
    }
    return this.#finish();
  }

  /** The async half of run(): an app's promised body, or a body still being sent. */
  async #afterWait(pending: Promise<unknown>): Promise<RequestOutcome> {
    try {
      await pending;
    } catch (err) {
      this.#fail(err);
    }
    return this.#finish();
  }

  #send(body: Body): Promise<void> | undefined {
    this.#body = body;
    return this.response.send(body, chunkSizeFor(this.environ, this.settings.minChunk));
  }

  #fail(err: unknown): void {
    this.response.fail(err, this.settings.debug, this.onError);
  }

  /** close() on the returned body, once, whatever happened; then the rest. */
  #finish(): RequestOutcome | Promise<RequestOutcome> {
    const body = this.#body;
    if (typeof body?.close === 'function') {
      const closing = closeBody(body, this.settings.log);
      if (closing !== undefined) return closing.then(() => this.#afterClose());
    }
    return this.#afterClose();
  }

  #afterClose(): RequestOutcome | Promise<RequestOutcome> {
    if (this.input.started) this.settings.discardBody(this.request);
    return hasPosthooks(this.environ) ? this.#runHooks() : this;
  }

  async #runHooks(): Promise<RequestOutcome> {
    await this.sink.done();
    this.posthooksStartedAt = performance.now();
    await runPosthooks(this.environ, this.settings.log);
    return this;
  }
}

/** `environ['eventlet.minimum_write_chunk_size']`, read as Python's int(), overrides per request. */
function chunkSizeFor(environ: Environ, fallback: number): number {
  const override = environ['eventlet.minimum_write_chunk_size'];
  if (override === undefined) return fallback;
  // Python's int(): an integer, or digits with optional surrounding blanks; nothing else.
  const size = typeof override === 'number' ? override : /^\s*\+?\d+\s*$/.test(String(override)) ? Number(override) : NaN;
  if (!Number.isInteger(size) || size < 0) {
    throw new WsgiError('WSGI_ERR_BODY', `eventlet.minimum_write_chunk_size must be a non-negative integer, got ${String(override)}`);
  }
  return size;
}

/** close() on the body; a promise only when close() returned one. An error in it is logged. */
function closeBody(body: Body, log: ErrorLog): Promise<void> | undefined {
  const logError = (err: unknown): void => log(`Error in the body's close():\n${describeError(err)}\n`);
  try {
    const result = body.close!();
    if (result instanceof Promise) return result.then(() => undefined, logError);
  } catch (err) {
    logError(err);
  }
  return undefined;
}
