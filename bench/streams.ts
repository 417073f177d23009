import { setTimeout as sleep } from 'node:timers/promises';
import { rssMiB, withPeakRss, type ServerChild } from './child.js';
import type { ContenderId } from './contenders.js';
import type { Outcome, StreamRounds, Transfer } from './results.js';
import { streamBytes, type Settings } from './settings.js';
import { messageOf } from './errors.js';
import { rotate } from './stats.js';
import { measureSteal, type StealGuard, type Stolen } from './steal.js';
import { download, upload } from './stream-client.js';

/** Only the baseline and the standalone server stream; the mounts share the core's stream code. */
export const STREAMERS: readonly ContenderId[] = ['node-http', 'wsgi-server'];

type Direction = 'upload' | 'download' | 'slowDownload';

/**
 * Uploads and downloads round by round, in a rotating order, sampling each server's RSS
 * during every transfer (a round the hypervisor disturbed is taken again); then one
 * download each at the slow client's pace.
 */
export async function runStreams(
  servers: Map<ContenderId, Outcome<ServerChild>>,
  settings: Settings,
  guard: StealGuard,
  log: (line: string) => void,
): Promise<Map<ContenderId, Outcome<StreamRounds>>> {
  const bytes = streamBytes(settings);
  const outcomes = new Map<ContenderId, Outcome<StreamRounds>>();
  const ready: Ready[] = [];
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

  // One transfer. Its RSS peak counts whether or not its round is kept: the memory
  // target is a ceiling on every transfer, and steal does not lower a peak.
  const measure = async (direction: Direction, [id, server, rounds]: Ready): Promise<Figures | null> => {
    try {
      const { result: { result, peakMiB }, stealPercent } = await measureSteal(() => withPeakRss(server.pid, () =>
        direction === 'upload' ? upload(server.port, bytes)
          : download(server.port, bytes, direction === 'slowDownload' ? settings.slowMiBps : undefined)));
      rounds[direction].rssOverIdleMiB.push(peakMiB - rounds.idleMiB);
      log(`${direction.padEnd(12)} ${id.padEnd(12)} ${result.toFixed(0).padStart(6)} MiB/s  ` +
        `peak RSS ${peakMiB.toFixed(1)} MiB (idle ${rounds.idleMiB.toFixed(1)})  steal ${stealPercent.toFixed(1)}%`);
      return { transfer: rounds[direction], mibPerSec: result, stealPercent };
    } catch (err) {
      // A server that died or broke a transfer: its figures are void, the other goes on.
      const why = (await server.gone()) ?? messageOf(err);
      outcomes.set(id, { ok: false, reason: `${direction} failed: ${why}` });
      log(`${direction.padEnd(12)} ${id} failed: ${why}`);
      return null;
    }
  };
  // One transfer from each server still standing, in the given order.
  const attempt = (direction: Direction, order: Ready[]) => async (): Promise<Figures[]> => {
    const figures: Figures[] = [];
    for (const entry of order) {
      const got = outcomes.get(entry[0])!.ok ? await measure(direction, entry) : null;
      if (got !== null) figures.push(got);
    }
    return figures;
  };
  const keep = (measured: Figures[]): void => {
    for (const { transfer: kept, mibPerSec, stealPercent } of measured) {
      kept.mibPerSec.push(mibPerSec);
      kept.stealPercent.push(stealPercent);
    }
  };

  for (let r = 0; r < settings.streamRounds; r++) {
    for (const direction of ['upload', 'download'] as const) keep(await guard.round(attempt(direction, rotate(ready, r))));
  }
  // The slow downloads run at the client's pace, which steal hardly moves: taken once.
  keep(await attempt('slowDownload', ready)());
  return outcomes;
}

type Ready = [ContenderId, ServerChild, StreamRounds];

/** One server's transfer in one round, and where its figures go when the round is kept. */
interface Figures extends Stolen {
  transfer: Transfer;
  mibPerSec: number;
}

const transfer = (): Transfer => ({ mibPerSec: [], rssOverIdleMiB: [], stealPercent: [] });
