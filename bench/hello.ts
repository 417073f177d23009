import type { ServerChild } from './child.js';
import { HELLO } from './config.js';
import type { ContenderId } from './contenders.js';
import type { HelloRounds, Outcome } from './results.js';
import type { Settings } from './settings.js';
import { rotate } from './stats.js';
import { wrk } from './wrk.js';

const urlOf = (child: ServerChild): string => `http://127.0.0.1:${child.port}/`;

/**
 * Hello world under wrk: every contender is checked, warmed up, then measured round by
 * round in a rotating order, so drift on a shared machine hits them all alike.
 */
export async function runHello(
  servers: Map<ContenderId, Outcome<ServerChild>>,
  settings: Settings,
  log: (line: string) => void,
): Promise<Map<ContenderId, Outcome<HelloRounds>>> {
  const outcomes = new Map<ContenderId, Outcome<HelloRounds>>();
  const ready: Array<[ContenderId, ServerChild]> = [];
  for (const [id, server] of servers) {
    if (!server.ok) {
      outcomes.set(id, server);
      continue;
    }
    const wrong = await checkHello(server.value);
    if (wrong !== null) {
      outcomes.set(id, { ok: false, reason: wrong });
      continue;
    }
    log(`warming up ${id} for ${settings.warmupSeconds} s`);
    await wrk(urlOf(server.value), settings.connections, settings.warmupSeconds);
    ready.push([id, server.value]);
  }
  const rounds = new Map<ContenderId, HelloRounds>(ready.map(([id]) => [id, []]));
  for (let r = 0; r < settings.rounds; r++) {
    for (const [id, server] of rotate(ready, r)) {
      const result = await wrk(urlOf(server), settings.connections, settings.seconds);
      rounds.get(id)!.push(result);
      log(`round ${r + 1}/${settings.rounds}  ${id.padEnd(15)} ${result.requestsPerSec.toFixed(0).padStart(7)} req/s` +
        `  p99 ${result.p99Ms.toFixed(2)} ms${result.errors > 0 ? `  ${result.errors} errors` : ''}`);
    }
  }
  for (const [id, value] of rounds) outcomes.set(id, { ok: true, value });
  return outcomes;
}

/** A contender that answers anything but hello world would be measured doing something else. */
async function checkHello(server: ServerChild): Promise<string | null> {
  try {
    const res = await fetch(urlOf(server));
    const body = await res.text();
    return res.status === 200 && body === HELLO ? null : `answered ${res.status} ${JSON.stringify(body.slice(0, 80))}`;
  } catch (err) {
    return `did not answer: ${err instanceof Error ? err.message : String(err)}`;
  }
}
