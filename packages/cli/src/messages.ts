/**
 * The IPC protocol between the primary and its workers (over cluster's channel). Each
 * message carries `wsgiBridge` so cluster's own internal messages are never mistaken for ours.
 */
export type ToWorker =
  | { wsgiBridge: 'ping' }
  /** Stop accepting, finish the requests in flight, exit 0. */
  | { wsgiBridge: 'stop' }
  | { wsgiBridge: 'reopen-logs' };

export type ToPrimary =
  | { wsgiBridge: 'pong' }
  /** Every address is listening. */
  | { wsgiBridge: 'ready' }
  /** --max-requests reached: replace me, then stop me. */
  | { wsgiBridge: 'recycle' }
  /** The worker cannot serve and will exit with `status`; restarting it would fail the same way. */
  | { wsgiBridge: 'fatal'; status: number; message: string }
  /** A file the app loaded, for --reload to watch. */
  | { wsgiBridge: 'loaded'; file: string };

/** Whether a message from the other side is one of ours. */
export function isOurs<T extends { wsgiBridge: string }>(message: unknown): message is T {
  return typeof message === 'object' && message !== null && typeof (message as { wsgiBridge?: unknown }).wsgiBridge === 'string';
}
