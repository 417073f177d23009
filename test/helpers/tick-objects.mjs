// Counts the process.nextTick objects still alive once every tick has run, in a process
// of its own (run with --expose-gc). With `handler` it first makes a WSGI handler, which
// keeps one tick object for the life of the process (packages/core/src/tick-shape.ts).
// Plain JavaScript: it runs under node directly, not under vitest. Prints the count.
import { getHeapSnapshot } from 'node:v8';
import { createWsgiHandler } from '@wsgi-bridge/core';

if (process.argv[2] === 'handler') createWsgiHandler(() => []);
for (let i = 0; i < 100; i++) process.nextTick(() => {});
await new Promise((resolve) => setImmediate(resolve));
globalThis.gc();

let json = '';
for await (const chunk of getHeapSnapshot()) json += chunk;
const { snapshot: { meta }, nodes, edges, strings } = JSON.parse(json);
const nodeFields = meta.node_fields.length;
const edgeFields = meta.edge_fields.length;
const edgeCountAt = meta.node_fields.indexOf('edge_count');
const property = meta.edge_types[0].indexOf('property');
const nameAt = meta.node_fields.indexOf('name');
// A tick object: a plain Object whose named properties are `callback` and `args` (its two
// symbol-keyed ids are not named in a snapshot).
let ticks = 0;
for (let n = 0, e = 0; n < nodes.length; n += nodeFields) {
  const names = [];
  for (let i = 0; i < nodes[n + edgeCountAt]; i++, e += edgeFields) {
    if (edges[e] === property) names.push(strings[edges[e + 1]]);
  }
  if (strings[nodes[n + nameAt]] === 'Object' && names.join() === 'callback,args,__proto__') ticks++;
}
process.stdout.write(`${ticks}\n`);
