import type { Contender, ContenderId } from './contenders.js';
import type { Machine } from './machine.js';
import type { Pinning } from './pinning.js';
import type { Settings } from './settings.js';
import type { StealGuard, Stolen } from './steal.js';
import type { WrkResult } from './wrk.js';

/** A contender that ran, or why it did not. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; reason: string };

/** One wrk run, the CPU time the server spent on it, and the share the hypervisor took meanwhile. */
export interface HelloRound extends WrkResult, Stolen {
  serverCpuSeconds: number;
}

/** One contender's wrk rounds, in round order (round i of each contender ran side by side). */
export type HelloRounds = HelloRound[];

/**
 * One streaming direction: throughput and steal round by round (kept rounds), and the
 * peak RSS above idle of every transfer (retaken ones too).
 */
export interface Transfer {
  mibPerSec: number[];
  rssOverIdleMiB: number[];
  stealPercent: number[];
}

export interface StreamRounds {
  idleMiB: number;
  upload: Transfer;
  download: Transfer;
  /** One download read at the slow client's pace. */
  slowDownload: Transfer;
}

export interface BenchResults {
  date: string;
  machine: Machine;
  pinning: Pinning | null;
  settings: Settings;
  tools: Record<string, string>;
  contenders: Record<ContenderId, Contender>;
  /** How often a round was measured again for the hypervisor's steal; see steal.ts. */
  steal: StealGuard;
  hello: Map<ContenderId, Outcome<HelloRounds>>;
  streams: Map<ContenderId, Outcome<StreamRounds>>;
}
