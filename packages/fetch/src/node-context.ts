/**
 * The part of @hono/node-server's context (`c.env`, or the second argument its `serve()`
 * passes to a fetch handler) that the environ can use: the IncomingMessage the Request
 * was made from. Its raw header list is the headers as they came on the wire, with no
 * Headers object built from it, and its socket has the peer's address.
 */
interface NodeBindings {
  incoming: { httpVersionMajor: number; rawHeaders: string[]; socket?: { remoteAddress?: string } | null };
}

/**
 * The HTTP/1 IncomingMessage in a runtime's context, when the context is @hono/node-server's.
 * Not an HTTP/2 one: its raw headers carry the pseudo-headers (`:path`, …), which are no
 * HTTP_* keys.
 */
export function incomingOf(context: unknown): NodeBindings['incoming'] | undefined {
  const incoming = (context as Partial<NodeBindings> | null | undefined)?.incoming;
  return incoming?.httpVersionMajor === 1 && Array.isArray(incoming.rawHeaders) ? incoming : undefined;
}
