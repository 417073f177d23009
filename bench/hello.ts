import { treeCpuSeconds, type ServerChild } from './child.js';
import { HELLO } from './config.js';
import { GROUPS, type ContenderId } from './contenders.js';
import type { HelloRound, HelloRounds, Outcome } from './results.js';
import type { Settings } from './settings.js';
import { messageOf } from './errors.js';
import { rotate } from './stats.js';
import { measureSteal, type StealGuard } from './steal.js';
import { wrk } from './wrk.js';

const urlOf = (child: ServerChild): string => `http://127.0.0.1:${child.port}/`;

/**
 * Hello world under wrk: every contender is checked and warmed up, then measured round
 * by round. Each round runs the groups of compared contenders back to back, with the
 * order of groups and of contenders within them rotating, so drift on a shared machine
 * hits every side alike; a group's round that the hypervisor disturbed is taken again.
 */
export async function runHello(
  servers: Map<ContenderId, Outcome<ServerChild>>,
  settings: Settings,
  guard: StealGuard,
  log: (line: string) => void,
): Promise<Map<ContenderId, Outcome<HelloRounds>>> {
  const outcomes = new Map<ContenderId, Outcome<HelloRounds>>();
  const ready = new Map<ContenderId, [ServerChild, HelloRounds]>();
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
    const rounds: HelloRounds = [];
    ready.set(id, [server.value, rounds]);
    outcomes.set(id, { ok: true, value: rounds });
  }
  for (let r = 0; r < settings.rounds; r++) {
    for (const group of rotate(GROUPS, r)) {
      // wrk's errors count from every try: steal does not excuse a failed request.
      const errors = new Map<ContenderId, number>();
      const measured = await guard.round(async () => {
        const results: Array<HelloRound & { id: ContenderId }> = [];
        for (const id of rotate(group, r)) {
          const server = ready.get(id)?.[0];
          if (server === undefined) continue;
          try {
            const result = await measure(server, settings);
            errors.set(id, (errors.get(id) ?? 0) + result.errors);
            results.push({ id, ...result });
            log(`round ${r + 1}/${settings.rounds}  ${id.padEnd(15)} ${result.requestsPerSec.toFixed(0).padStart(7)} req/s` +
              `  p99 ${result.p99Ms.toFixed(2)} ms  server CPU ${cpuMicrosPerRequest(result).toFixed(1)} µs/req` +
              `  steal ${result.stealPercent.toFixed(1)}%${result.errors > 0 ? `  ${result.errors} errors` : ''}`);
          } catch (err) {
            // A server that died or stopped answering: its figures are void, the others go on.
            const why = (await server.gone()) ?? messageOf(err);
            ready.delete(id);
            outcomes.set(id, { ok: false, reason: `failed in round ${r + 1}: ${why}` });
            log(`round ${r + 1}/${settings.rounds}  ${id} failed: ${why}`);
          }
        }
        return results;
      });
      for (const { id, ...result } of measured) ready.get(id)?.[1].push({ ...result, errors: errors.get(id)! });
    }
  }
  return outcomes;
}

async function measure(server: ServerChild, settings: Settings): Promise<HelloRound> {
  // Every process of the server counts: the command's primary and workers are descendants.
  const before = treeCpuSeconds(server.pid);
  const { result, stealPercent } = await measureSteal(() => wrk(urlOf(server), settings.connections, settings.seconds));
  return { ...result, serverCpuSeconds: treeCpuSeconds(server.pid) - before, stealPercent };
}

/** Server CPU time per request: less swayed than req/s by what else runs on the machine. */
export const cpuMicrosPerRequest = (round: HelloRound): number => (round.serverCpuSeconds / round.requests) * 1e6;

/** A contender that answers anything but hello world would be measured doing something else. */
async function checkHello(server: ServerChild): Promise<string | null> {
  try {
    const res = await fetch(urlOf(server));
    const body = await res.text();
    return res.status === 200 && body === HELLO ? null : `answered ${res.status} ${JSON.stringify(body.slice(0, 80))}`;
  } catch (err) {
    return `did not answer: ${messageOf(err)}`;
  }
}
