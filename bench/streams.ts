import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, withPeakRss, type ServerChild } from './child.js';
import type { ContenderId } from './contenders.js';
import type { Outcome, StreamRounds, Transfer } from './results.js';
import { streamBytes, type Settings } from './settings.js';
import { messageOf } from './errors.js';
import { rotate } from './stats.js';
import { download, upload } from './stream-client.js';

/** Only the baseline and the standalone server stream; the mounts share the core's stream code. */
export const STREAMERS: readonly ContenderId[] = ['node-http', 'wsgi-server'];

type Direction = 'upload' | 'download' | 'slowDownload';

/**
 * Uploads and downloads round by round, in a rotating order, sampling each server's RSS
 * during every transfer; then one download each at the slow client's pace.
 */
export async function runStreams(
  servers: Map<ContenderId, Outcome<ServerChild>>,
  settings: Settings,
  log: (line: string) => void,
): Promise<Map<ContenderId, Outcome<StreamRounds>>> {
  const bytes = streamBytes(settings);
  const outcomes = new Map<ContenderId, Outcome<StreamRounds>>();
  const ready: Array<[ContenderId, ServerChild, StreamRounds]> = [];
  await sleep(1000); // let the hello-world load's garbage settle before taking "idle"
  for (const id of STREAMERS) {
    const server = servers.get(id);
    if (server === undefined || !server.ok) {
      outcomes.set(id, server ?? { ok: false, reason: 'not started' });
      continue;
    }
    const rounds: StreamRounds = { idleMiB: rssMiB(server.value.pid), upload: transfer(), download: transfer(), slowDownload: transfer() };
    ready.push([id, server.value, rounds]);
    outcomes.set(id, { ok: true, value: rounds });
  }

  const failed = new Set<ContenderId>();
  const measure = async (direction: Direction, server: ServerChild, rounds: StreamRounds, id: ContenderId): Promise<void> => {
    if (failed.has(id)) return;
    let result: number;
    let peakMiB: number;
    try {
      ({ result, peakMiB } = await withPeakRss(server.pid, () =>
        direction === 'upload' ? upload(server.port, bytes)
          : download(server.port, bytes, direction === 'slowDownload' ? settings.slowMiBps : undefined)));
    } catch (err) {
      // A server that died or broke a transfer: its figures are void, the other goes on.
      const why = (await server.gone()) ?? messageOf(err);
      failed.add(id);
      outcomes.set(id, { ok: false, reason: `${direction} failed: ${why}` });
      log(`${direction.padEnd(12)} ${id} failed: ${why}`);
      return;
    }
    rounds[direction].mibPerSec.push(result);
    rounds[direction].rssOverIdleMiB.push(peakMiB - rounds.idleMiB);
    log(`${direction.padEnd(12)} ${id.padEnd(12)} ${result.toFixed(0).padStart(6)} MiB/s  ` +
      `peak RSS ${peakMiB.toFixed(1)} MiB (idle ${rounds.idleMiB.toFixed(1)})`);
  };

  for (let r = 0; r < settings.rounds; r++) {
    for (const direction of ['upload', 'download'] as const) {
      for (const [id, server, rounds] of rotate(ready, r)) await measure(direction, server, rounds, id);
    }
  }
  for (const [id, server, rounds] of ready) await measure('slowDownload', server, rounds, id);
  return outcomes;
}

const transfer = (): Transfer => ({ mibPerSec: [], rssOverIdleMiB: [] });
