// A WSGI handler keeps one process.nextTick object alive, so that V8 keeps the tick
// objects' maps and nextTick its fast path after an idle GC (packages/core/src/tick-shape.ts;
// measured with `node bench/dist/profile.js fastify-wsgi hello 6 40`). Counted in a heap
// snapshot of a process of its own; without a handler none is left, which shows the
// count can tell.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const script = new URL('./helpers/tick-objects.mjs', import.meta.url).pathname;

async function liveTicks(...args: string[]): Promise<number> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', script, ...args]);
  return Number(stdout);
}

describe('the tick object kept alive', () => {
  it('is there once a handler exists, after every tick has run and a full GC', async () => {
    expect(await liveTicks('handler')).toBe(1);
  });

  it('is not there without a handler', async () => {
    expect(await liveTicks()).toBe(0);
  });
});
