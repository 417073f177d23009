import type { ServerResponse } from 'node:http';
import { lowercaseHeaderName } from './headers.js';

/**
 * What every sink does to a Node ServerResponse, whoever frames it: the core's own sink
 * or a framework's reply.
 */

/** Close the connection mid-response, after what was written so far has reached the socket. */
export function cutOff(res: ServerResponse): void {
  // Node corks the socket for the rest of the tick: flush what was written, so the
  // client sees the response cut after it rather than an empty reply it may retry.
  res.socket?.uncork();
  res.destroy();
}

/** Resolves once the response is fully sent or the connection is gone. */
export function responseDone(res: ServerResponse): Promise<void> {
  if (res.writableFinished || res.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    res.once('finish', resolve);
    res.once('close', resolve);
  });
}

/**
 * A flat `[name, value, …]` list grouped by lowercased name, in first-seen order: the
 * name as first given and every value. For APIs that set a header once per name.
 */
export function groupHeaders(flat: readonly string[]): Map<string, [name: string, values: string[]]> {
  const grouped = new Map<string, [string, string[]]>();
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!;
    const lower = lowercaseHeaderName(name);
    const entry = grouped.get(lower);
    if (entry === undefined) grouped.set(lower, [name, [flat[i + 1]!]]);
    else entry[1].push(flat[i + 1]!);
  }
  return grouped;
}
