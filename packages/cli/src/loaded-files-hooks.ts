// Module customization hooks (node:module register), run on Node's hooks thread in a
// worker started with --reload: they tell the worker every file the app loads.
import type { MessagePort } from 'node:worker_threads';

let port: MessagePort | undefined;

/** Receives the port the worker listens on. */
export function initialize(data: { port: MessagePort }): void {
  port = data.port;
}

type NextLoad = (url: string, context: unknown) => Promise<unknown>;

/** Report each file: URL outside node_modules, then load it as usual. */
export function load(url: string, context: unknown, nextLoad: NextLoad): Promise<unknown> {
  if (url.startsWith('file:') && !url.includes('/node_modules/')) port?.postMessage(url);
  return nextLoad(url, context);
}
