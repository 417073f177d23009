// The wsgi-bridge command's workers, run as users run it (node packages/cli/dist/bin.js)
// on 127.0.0.1: several workers serve, a dead or hung one is replaced, --max-requests
// recycles without a failed request, TTIN/TTOU change the count, TERM lets a request finish.
import { Agent } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { childPids, freePort, get, killLeftovers, load, startCommand, type Command } from './helpers/command.js';
import { waitFor } from './helpers/http.js';

afterEach(killLeftovers);

const SERVING = /primary: worker \d+ serving/;

async function serving(args: string[], workers: number): Promise<{ command: Command; port: number }> {
  const port = await freePort();
  const command = startCommand(['-b', `127.0.0.1:${port}`, ...args, 'app.mjs']);
  await command.waitFor(SERVING, 15_000, workers);
  return { command, port };
}

/** pids answering `count` requests, each on a new connection (cluster deals them round-robin). */
async function answering(port: number, count: number, path = '/'): Promise<Set<number>> {
  const pids = new Set<number>();
  for (let i = 0; i < count; i++) {
    const { status, body } = await get({ host: '127.0.0.1', port, path, agent: false });
    expect(status).toBe(200);
    pids.add(Number(/pid (\d+)/.exec(body)![1]));
  }
  return pids;
}

describe('wsgi-bridge workers', () => {
  it('two workers both serve, and the environ says wsgi.multiprocess', async () => {
    const { command, port } = await serving(['-w', '2'], 2);
    const workers = childPids(command.pid);
    expect(workers).toHaveLength(2);
    expect([...await answering(port, 6)].sort()).toEqual([...workers].sort());
    expect((await get({ host: '127.0.0.1', port, agent: false })).body).toMatch(/multiprocess true/);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('replaces a worker killed with SIGKILL, and the replacement serves within a few seconds', async () => {
    const { command, port } = await serving(['-w', '2'], 2);
    const [victim, survivor] = childPids(command.pid) as [number, number];
    process.kill(victim, 'SIGKILL');
    await command.waitFor(new RegExp(`worker ${victim} exited \\(SIGKILL\\) while serving: replacing it`));
    await command.waitFor(SERVING, 10_000, 3);
    const now = childPids(command.pid);
    expect(now).toHaveLength(2);
    expect(now).toContain(survivor);
    expect(now).not.toContain(victim);
    const replacement = now.find((pid) => pid !== survivor)!;
    expect(await answering(port, 6)).toContain(replacement);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('--max-requests 50 recycles over 200 requests with no failed request', async () => {
    const { command, port } = await serving(['-w', '1', '--max-requests', '50', '--max-requests-jitter', '5'], 1);
    const first = childPids(command.pid)[0];
    // Two keep-alive loops of 100 requests, each taking 10 ms: a recycle's replacement boots meanwhile.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    const loop = async (): Promise<Array<PromiseSettledResult<{ status: number; body: string }>>> => {
      const settled = [];
      for (let i = 0; i < 100; i++) settled.push(...await Promise.allSettled([get({ host: '127.0.0.1', port, path: '/slow?ms=10', agent })]));
      return settled;
    };
    const results = (await Promise.all([loop(), loop()])).flat();
    agent.destroy();
    expect(results).toHaveLength(200);
    const failed = results.filter((result) => result.status === 'rejected' || result.value.status !== 200);
    expect(failed).toEqual([]);
    const pids = new Set(results.map((result) => (result.status === 'fulfilled' ? /pid (\d+)/.exec(result.value.body)?.[1] : null)));
    expect(pids.size).toBeGreaterThanOrEqual(2);
    expect(command.output()).toMatch(/served --max-requests: replacing it/);
    expect(childPids(command.pid)).not.toContain(first);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('--timeout 2 kills a worker whose event loop is blocked, and replaces it', async () => {
    const { command, port } = await serving(['-w', '1', '--timeout', '2'], 1);
    const [blocked] = childPids(command.pid);
    // The request never gets an answer: its worker dies under it.
    const hung = get({ host: '127.0.0.1', port, path: '/busy', agent: false }).catch((err: Error) => err);
    await command.waitFor(new RegExp(`worker ${blocked} left the heartbeat unanswered for 2s \\(--timeout\\): killed`), 15_000);
    expect(await hung).toBeInstanceOf(Error);
    await command.waitFor(SERVING, 10_000, 2);
    expect(childPids(command.pid)).not.toContain(blocked);
    expect((await get({ host: '127.0.0.1', port, agent: false })).status).toBe(200);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('TTIN adds a worker and TTOU takes one away', async () => {
    const { command } = await serving(['-w', '1'], 1);
    command.signal('SIGTTIN');
    await command.waitFor(/primary: 2 workers wanted/);
    await command.waitFor(SERVING, 10_000, 2);
    expect(childPids(command.pid)).toHaveLength(2);
    command.signal('SIGTTOU');
    await command.waitFor(/primary: worker \d+ stopped/);
    await waitFor(() => childPids(command.pid).length === 1, 'one worker left', 10_000);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });

  it('TERM with a slow request in flight: the request completes, then the exit status is 0', async () => {
    const { command, port } = await serving(['-w', '2'], 2);
    const slow = get({ host: '127.0.0.1', port, path: '/slow?ms=1500', agent: false });
    await command.waitFor(/"GET \/slow|accepted/);
    await new Promise((resolve) => setTimeout(resolve, 200));
    command.signal('SIGTERM');
    const answer = await slow;
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^pid \d+/);
    expect(await command.exited).toBe(0);
    expect(command.output()).toMatch(/primary: stopped/);
  });

  it('TERM right after HUP, while the new workers boot, stops them too, without waiting for --graceful-timeout', async () => {
    const { command } = await serving(['-w', '2'], 2);
    command.signal('SIGHUP');
    await command.waitFor(/reloading \(SIGHUP\)/);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
    // A worker that missed its stop would be killed once --graceful-timeout (30 s) is over.
    expect(command.output()).not.toMatch(/killed/);
  });

  it('a keep-alive load on two workers sees no error', async () => {
    const { command, port } = await serving(['-w', '2'], 2);
    const report = await load(port, 500, 4);
    expect(report.errors).toEqual([]);
    expect(report.non2xx).toBe(0);
    expect(report.ok).toBeGreaterThan(0);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });
});
