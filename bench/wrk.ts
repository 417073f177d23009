import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface WrkResult {
  requests: number;
  requestsPerSec: number;
  p99Ms: number;
  /** Socket errors plus non-2xx/3xx responses: any makes the figure suspect. */
  errors: number;
}

/**
 * One wrk run with a single thread (wrk needs one core for itself at most on this
 * machine; the server gets the other) and its latency distribution for p99.
 */
export async function wrk(url: string, connections: number, seconds: number): Promise<WrkResult> {
  const { stdout } = await run('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url], {
    timeout: (seconds + 30) * 1000,
  });
  return parseWrk(stdout);
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

function parseWrk(output: string): WrkResult {
  const requests = /^\s+(\d+) requests in /m.exec(output);
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(output);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s|m)\s*$/m.exec(output);
  if (requests === null || rps === null || p99 === null) throw new Error(`cannot read wrk's output:\n${output}`);
  const socket = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(output);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(output);
  const errors = (socket === null ? 0 : socket.slice(1).reduce((sum, n) => sum + Number(n), 0)) +
    (non2xx === null ? 0 : Number(non2xx[1]));
  return { requests: Number(requests[1]), requestsPerSec: Number(rps[1]), p99Ms: Number(p99[1]) * UNIT_MS[p99[2]!]!, errors };
}
