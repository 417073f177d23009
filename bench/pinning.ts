import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Which CPU the servers get and which the load generators (wrk, the stream client, this
 * process) get. Unpinned, the scheduler places each server process where it likes, and
 * on a shared two-core machine one server can sit on the busier core for a whole run: two
 * copies of the same server then differed by 20% here. Pinned, every server meets the
 * same conditions, and the load never competes with the server it measures.
 */
export interface Pinning {
  serverCpu: number;
  clientCpu: number;
}

/** Pin this process (and so wrk, its child) to the client CPU; null when off or impossible. BENCH_PIN=0 turns it off. */
export async function pinClient(env: NodeJS.ProcessEnv): Promise<Pinning | null> {
  const cpus = os.cpus().length;
  if (env.BENCH_PIN === '0' || cpus < 2) return null;
  const pinning = { serverCpu: cpus - 1, clientCpu: 0 };
  try {
    await run('taskset', ['-pc', String(pinning.clientCpu), String(process.pid)]);
  } catch {
    return null; // no taskset (util-linux): run unpinned, and the report says so
  }
  return pinning;
}

/** The command that starts a server on the server CPU. */
export function onServerCpu(pinning: Pinning | null, [command, args]: [string, string[]]): [string, string[]] {
  return pinning === null ? [command, args] : ['taskset', ['-c', String(pinning.serverCpu), command, ...args]];
}

export function describePinning(pinning: Pinning | null): string {
  return pinning === null
    ? 'Processes are not pinned to CPUs.'
    : `Servers are pinned to CPU ${pinning.serverCpu}; wrk and the stream client to CPU ${pinning.clientCpu}.`;
}
