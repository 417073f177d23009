import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * Where the load generators run. Left to the scheduler, wrk could share a core with one
 * server for a whole run and not with the next: two copies of the same server then
 * differed by 20% here. Holding wrk, the stream client and this process on one CPU gives
 * every server the same conditions. The servers keep every CPU, as they would in use:
 * held on one core, a server's GC threads would compete with its own main thread.
 */
export interface Pinning {
  clientCpu: number;
  /** taskset's list of every CPU: children inherit this process's affinity unless told. */
  serverCpus: string;
}

/** Pin this process (and so wrk, its child) to the client CPU; null when off or impossible. BENCH_PIN=0 turns it off. */
export async function pinClient(env: NodeJS.ProcessEnv): Promise<Pinning | null> {
  const cpus = os.cpus().length;
  if (env.BENCH_PIN === '0' || cpus < 2) return null;
  const pinning = { clientCpu: 0, serverCpus: `0-${cpus - 1}` };
  try {
    await run('taskset', ['-pc', String(pinning.clientCpu), String(process.pid)]);
  } catch {
    return null; // no taskset (util-linux): run unpinned, and the report says so
  }
  return pinning;
}

/** The command that starts a server free to use every CPU. */
export function onServerCpus(pinning: Pinning | null, [command, args]: [string, string[]]): [string, string[]] {
  return pinning === null ? [command, args] : ['taskset', ['-c', pinning.serverCpus, command, ...args]];
}

export function describePinning(pinning: Pinning | null): string {
  return pinning === null
    ? 'Processes are not pinned to CPUs.'
    : `wrk and the stream client are pinned to CPU ${pinning.clientCpu}; the servers may use every CPU.`;
}
