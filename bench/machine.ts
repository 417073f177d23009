import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import os from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
  /** 1-minute load averages when the run started and ended: other work on a shared machine shows here. */
  loadAtStart: number;
  loadAtEnd?: number;
}

/** The installed version of a dependency, read from its package.json beside its entry point. */
export function moduleVersion(name: string): string {
  const entry = createRequire(import.meta.url).resolve(name);
  return (JSON.parse(readFileSync(join(dirname(entry), 'package.json'), 'utf8')) as { version: string }).version;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    loadAtStart: os.loadavg()[0]!,
  };
}
