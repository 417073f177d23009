import { execFile } from 'node:child_process';
import os from 'node:os';
import { promisify } from 'node:util';
import { processTree } from './child.js';

const run = promisify(execFile);

/**
 * Where the load generators run. Left to the scheduler, wrk could share a core with one
 * server for a whole run and not with the next: two copies of the same server then
 * differed by 20% here. Holding wrk, the stream client and this process on one CPU gives
 * every server the same conditions. For the streams the servers keep every CPU, as they
 * would in use (held on one core, a server's GC threads compete with its main thread and
 * the upload figures moved by 10 points). For hello world they are held off wrk's CPU,
 * so that no server shares a core with the load generator.
 */
export interface Pinning {
  clientCpu: number;
  /** taskset's list of every CPU: children inherit this process's affinity unless told. */
  serverCpus: string;
  /** Every CPU but the client's, for the hello-world rounds. */
  helloCpus: string;
}

/** Pin this process (and so wrk, its child) to the client CPU; null when off or impossible. BENCH_PIN=0 turns it off. */
export async function pinClient(env: NodeJS.ProcessEnv): Promise<Pinning | null> {
  const cpus = os.cpus().length;
  if (env.BENCH_PIN === '0' || cpus < 2) return null;
  const pinning = { clientCpu: 0, serverCpus: `0-${cpus - 1}`, helloCpus: cpus === 2 ? '1' : `1-${cpus - 1}` };
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

/** Hold the servers (every thread of each) off the client's CPU, or give them every CPU again. */
export async function holdServers(pinning: Pinning | null, pids: number[], forHello: boolean): Promise<void> {
  if (pinning === null) return;
  const cpus = forHello ? pinning.helloCpus : pinning.serverCpus;
  // The command's workers are children of the contender's process: they are held too.
  await Promise.all(pids.flatMap(processTree).map((pid) => run('taskset', ['-a', '-pc', cpus, String(pid)]).catch(() => undefined)));
}

export function describePinning(pinning: Pinning | null): string {
  return pinning === null
    ? 'Processes are not pinned to CPUs.'
    : `wrk and the stream client are pinned to CPU ${pinning.clientCpu}; for hello world every server thread ` +
      `is held on CPU ${pinning.helloCpus}, for the streams the servers may use every CPU.`;
}
