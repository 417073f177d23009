/** How long and how hard the bench runs; each can be set from the environment. */
export interface Settings {
  /** Hello-world rounds; each figure is the median of its rounds. BENCH_ROUNDS */
  rounds: number;
  /** Seconds of load per contender per hello-world round. BENCH_SECONDS */
  seconds: number;
  /** Rounds of each stream (upload, download). BENCH_STREAM_ROUNDS */
  streamRounds: number;
  /** Seconds of load per contender before the first round, for the JIT. BENCH_WARMUP_SECONDS */
  warmupSeconds: number;
  /** Concurrent keep-alive connections. BENCH_CONNECTIONS */
  connections: number;
  /** Size of each upload and download. BENCH_STREAM_MIB */
  streamMiB: number;
  /** How fast the slow client reads a download. BENCH_SLOW_MIBPS */
  slowMiBps: number;
  /** Percent of CPU time the hypervisor may take during a round's figures before it is taken again. BENCH_STEAL_LIMIT */
  stealLimit: number;
  /** Tries per round at most; then the least disturbed is kept. BENCH_STEAL_TRIES */
  stealTries: number;
}

// Many short rounds rather than a few long ones. Here a pair's ratio scattered as much
// over 1 s as over 3 s (about 16% at no steal), independently from pair to pair: 39
// rounds of 1 s pin the median down better than 13 of 3 for the same load. And bursts
// of other work spoil a round or two, which the median leaves out.
const DEFAULTS: Settings = {
  rounds: 39, seconds: 1, streamRounds: 13, warmupSeconds: 3, connections: 50, streamMiB: 256, slowMiBps: 32, stealLimit: 3, stealTries: 3,
};

const VARIABLES: Record<keyof Settings, string> = {
  rounds: 'BENCH_ROUNDS',
  seconds: 'BENCH_SECONDS',
  streamRounds: 'BENCH_STREAM_ROUNDS',
  warmupSeconds: 'BENCH_WARMUP_SECONDS',
  connections: 'BENCH_CONNECTIONS',
  streamMiB: 'BENCH_STREAM_MIB',
  slowMiBps: 'BENCH_SLOW_MIBPS',
  stealLimit: 'BENCH_STEAL_LIMIT',
  stealTries: 'BENCH_STEAL_TRIES',
};

/** Every variable that sets the bench, for the report. */
export const SETTING_VARIABLES: readonly string[] = Object.values(VARIABLES);

/** The size of each upload and download, in bytes. */
export const streamBytes = (settings: Settings): number => Math.round(settings.streamMiB * 2 ** 20);

export function readSettings(env: NodeJS.ProcessEnv): Settings {
  const settings = { ...DEFAULTS };
  for (const key of Object.keys(VARIABLES) as Array<keyof Settings>) {
    const text = env[VARIABLES[key]];
    if (text === undefined || text === '') continue;
    const value = Number(text);
    const counted = key === 'rounds' || key === 'streamRounds' || key === 'connections' || key === 'stealTries';
    if (counted ? !Number.isInteger(value) || value < 1 : !Number.isFinite(value) || value <= 0) {
      throw new Error(`${VARIABLES[key]} must be a positive ${counted ? 'integer' : 'number'}, got ${text}`);
    }
    settings[key] = value;
  }
  return settings;
}

/** The variables set differently from the defaults, as a shell prefix to reproduce the run. */
export function describeSettings(settings: Settings): string {
  return (Object.keys(VARIABLES) as Array<keyof Settings>)
    .filter((key) => settings[key] !== DEFAULTS[key])
    .map((key) => `${VARIABLES[key]}=${settings[key]}`)
    .join(' ');
}
