import { createWsgiHandler, type ErrorLog, type MountContext, type WsgiApp, type WsgiOptions } from '@wsgi-bridge/core';
import { hasTwoHosts, prepareHostServer, toError } from '@wsgi-bridge/core/adapter';
import fp from 'fastify-plugin';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { FastifySink } from './sink.js';

/** Options of {@link wsgiPlugin}: the core's, but header case (Fastify lowercases every name). */
export interface WsgiPluginOptions extends Omit<WsgiOptions, 'capitalizeResponseHeaders'> {
  /** The WSGI app that answers every request under the prefix. */
  app: WsgiApp;
  /**
   * Where the app is mounted; it becomes SCRIPT_NAME. Fastify itself applies it (and any
   * prefix of an enclosing plugin), as for every encapsulated plugin. Default: the root.
   */
  prefix?: string;
}

/**
 * Mounts a WSGI app: every method at the prefix and under it goes to the app.
 * Encapsulated, so its catch-all content-type parser (which leaves the body unread for
 * `wsgi.input`) applies to its own routes only.
 */
async function mountWsgi(instance: FastifyInstance, options: WsgiPluginOptions): Promise<void> {
  const handle = createWsgiHandler(options.app, {
    debug: options.debug,
    environ: options.environ,
    minimumChunkSize: options.minimumChunkSize,
    // Fastify lowercases every response header name, so capitalizing them is wasted work.
    capitalizeResponseHeaders: false,
    errors: options.errors ?? fastifyLog(instance),
  });
  // With debug, the core writes its own 500 with the traceback; otherwise Fastify's error handler answers.
  const toErrorHandler = options.debug !== true;
  const mount = new Mount(instance.prefix);

  // The 100 goes out on the first wsgi.input read, with the app's headers; other routes
  // send a plain one when their body parser starts reading (so no client waits for it).
  // Fastify answers bad bytes itself: clientErrorHandler keeps a response in flight.
  prepareHostServer(instance.server);
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (_request, _payload, parsed) => parsed(null));

  // A plain function, not async: Fastify must not take its return as a payload to send.
  const route = (request: FastifyRequest, reply: FastifyReply): void => {
    const raw = request.raw;
    if (hasTwoHosts(raw.rawHeaders)) {
      reply.code(400).header('connection', 'close').send();
      return;
    }
    const url = raw.url ?? '/';
    const end = mount.end(url);
    const ctx: MountContext = {
      scriptName: url.slice(0, end),
      url: url.slice(end),
      sink: new FastifySink(reply),
      onError: toErrorHandler ? (err) => reply.send(toError(err)) : undefined,
    };
    void handle(raw, reply.raw, ctx);
  };
  const methods = instance.supportedMethods;
  instance.route({ method: methods, url: '/', handler: route });
  instance.route({ method: methods, url: '/*', handler: route });
}

/** wsgi.errors and the runtime's error reports go to Fastify's logger. */
function fastifyLog(instance: FastifyInstance): ErrorLog {
  return (message) => instance.log.error(message.trimEnd());
}

/**
 * Where the mount prefix ends in a raw request target. SCRIPT_NAME is that part as
 * the client sent it, which differs from the configured prefix when the router matched
 * case-insensitively or through percent-encoding.
 */
class Mount {
  readonly #prefix: string;
  readonly #segments: number;

  constructor(prefix: string) {
    this.#prefix = prefix.replace(/\/+$/, '');
    this.#segments = this.#prefix.split('/').filter(Boolean).length;
  }

  end(url: string): number {
    const prefix = this.#prefix;
    if (url.startsWith(prefix)) {
      const next = url.charCodeAt(prefix.length);
      if (Number.isNaN(next) || next === SLASH || next === QUESTION_MARK) return prefix.length;
    }
    // Skip as many path segments as the prefix has (empty ones too, for ignoreDuplicateSlashes).
    let at = 0;
    for (let i = 0; i < this.#segments; i++) {
      while (url.charCodeAt(at) === SLASH) at++;
      while (at < url.length && url.charCodeAt(at) !== SLASH && url.charCodeAt(at) !== QUESTION_MARK) at++;
    }
    return at;
  }
}

const SLASH = 47;
const QUESTION_MARK = 63;

/**
 * `await fastify.register(wsgiPlugin, { app, prefix: '/legacy' })`: runs a WSGI app as
 * a Fastify plugin, its responses passing through Fastify's hooks and logger.
 */
export const wsgiPlugin: FastifyPluginAsync<WsgiPluginOptions> = fp(mountWsgi, {
  fastify: '5.x',
  name: '@wsgi-bridge/fastify',
  // Keep the plugin's own context: its parser override must not reach other routes.
  encapsulate: true,
});
