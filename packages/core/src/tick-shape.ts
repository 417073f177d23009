import { executionAsyncResource } from 'node:async_hooks';

/**
 * One of Node's `process.nextTick` objects, kept for the life of the process.
 *
 * Why: Node 20's nextTick builds each tick object as a literal with computed keys, and
 * V8 remembers the objects' hidden classes (maps) weakly in nextTick's feedback. When a
 * full GC runs while no tick object is alive (the idle time after start-up, typically)
 * those maps die, the feedback turns megamorphic for good, and every later nextTick
 * defines its four properties the generic way. A Fastify request makes ten ticks: that
 * cost 4 to 7 µs per request, 15% of a hello world. One live tick object keeps its maps,
 * and with them the fast path. (Only a process whose start-up ran nextTick often enough
 * to give it feedback is exposed, which a few Fastify plugins suffice for.)
 */
let kept: object | null = null;

/** Keep one tick object alive, once per process; harmless where Node builds ticks otherwise. */
export function keepTickShape(): void {
  if (kept !== null) return;
  kept = keepTickShape; // taken: a second call before the tick runs schedules nothing
  process.nextTick(() => {
    kept = executionAsyncResource();
  });
}
