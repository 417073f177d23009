/**
 * The part of @hono/node-server's context (`c.env`, or the second argument its `serve()`
 * passes to a fetch handler) that the environ can use: the IncomingMessage the Request
 * was made from. Its raw header list is the headers as they came on the wire, with no
 * Headers object built from it, and its socket has the peer's address.
 */
interface NodeBindings {
  incoming: { rawHeaders: string[]; socket?: { remoteAddress?: string } | null };
}

/** The IncomingMessage in a runtime's context, when the context is @hono/node-server's. */
export function incomingOf(context: unknown): NodeBindings['incoming'] | undefined {
  const incoming = (context as Partial<NodeBindings> | null | undefined)?.incoming;
  return Array.isArray(incoming?.rawHeaders) ? incoming : undefined;
}
