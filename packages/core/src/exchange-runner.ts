import type { EnvironDefaults } from './environ.js';
import { stderrLog, WsgiErrors } from './errors-stream.js';
import { Exchange, type ExchangeSettings, type RequestOutcome } from './exchange.js';
import type { HundredContinue } from './hundred-continue.js';
import type { WsgiInput } from './input.js';
import type { RequestLine } from './request-line.js';
import { WsgiResponse } from './response.js';
import type { ResponseSink } from './sink.js';
import type { Environ, ErrorLog, WsgiApp, WsgiOptions } from './types.js';

/** eventlet's MINIMUM_CHUNK_SIZE. */
export const DEFAULT_MINIMUM_CHUNK_SIZE = 4096;

/**
 * Runs requests through one WSGI app, whatever carries them: the layer under every front
 * end. A front end builds each request's environ (with {@link requestEnviron} and this
 * runner's {@link ExchangeRunner.environDefaults}), its `wsgi.input` and a sink, then
 * calls {@link ExchangeRunner.run}. `R` is what the front end calls a request: a Node
 * IncomingMessage, a Fetch Request, anything with a method and a target for log lines.
 */
export class ExchangeRunner<R extends RequestLine> {
  /** What every environ of this app shares: the `environ` extras and `wsgi.errors`. */
  readonly environDefaults: EnvironDefaults;
  /** Where `wsgi.errors` and the runtime's error reports go. */
  readonly log: ErrorLog;
  readonly #app: WsgiApp;
  readonly #settings: ExchangeSettings<R>;
  readonly #capitalize: boolean;

  /**
   * @param app The WSGI app; a TypeError if it is not a function.
   * @param options The options every front end shares.
   * @param discardBody Lets go of the rest of a body the app started reading but did not
   *   finish (called once the response is done); a front end's own, per handler.
   */
  constructor(app: WsgiApp, options: WsgiOptions, discardBody: (request: R) => void) {
    if (typeof app !== 'function') {
      throw new TypeError(`a WSGI app must be a function (environ, start_response), got ${typeof app}`);
    }
    const log = options.errors ?? stderrLog;
    this.log = log;
    this.environDefaults = { extras: options.environ, errors: new WsgiErrors(log) };
    this.#app = app;
    this.#settings = {
      log,
      debug: options.debug ?? false,
      minChunk: options.minimumChunkSize ?? DEFAULT_MINIMUM_CHUNK_SIZE,
      discardBody,
    };
    this.#capitalize = options.capitalizeResponseHeaders ?? true;
  }

  /**
   * Run one request through the app; never rejects. The outcome comes at once when
   * nothing had to wait (a sync app returning a list), else as a promise.
   *
   * @param request The request's method and target (HEAD responses, log lines).
   * @param environ Its environ; `environ['wsgi.input']` is `input`.
   * @param input Its body as the app reads it.
   * @param sink Where the response goes.
   * @param onError Takes an app error raised before any byte was sent, instead of the sink's 500.
   * @param hundredContinue A Node front end's "100 Continue" state; null where there is none.
   */
  run(
    request: R,
    environ: Environ,
    input: WsgiInput,
    sink: ResponseSink,
    onError?: (err: unknown) => void,
    hundredContinue: HundredContinue | null = null,
  ): RequestOutcome | Promise<RequestOutcome> {
    const response = new WsgiResponse(sink, request, this.#capitalize, this.log, hundredContinue);
    return new Exchange(environ, this.#settings, request, input, response, sink, onError).run(this.#app);
  }
}
