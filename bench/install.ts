import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { messageOf } from './errors.js';

const run = promisify(execFile);

/** Where Debian's python3-eventlet lands; the first python3 on PATH may be another one. */
export const PYTHON = process.env.BENCH_PYTHON ?? '/usr/bin/python3';

type Availability = { ok: true; version: string } | { ok: false; reason: string };

const firstLine = (err: unknown): string => messageOf(err).split('\n')[0]!;

/**
 * Run a command and look for `pattern` in what it prints, whatever its exit code
 * (`wrk -v` prints its version, then exits 1).
 */
async function probe(command: string, args: string[], pattern: RegExp): Promise<Availability> {
  let output: string;
  try {
    const { stdout, stderr } = await run(command, args);
    output = stdout + stderr;
  } catch (err) {
    const failed = err as { stdout?: string; stderr?: string };
    output = `${failed.stdout ?? ''}${failed.stderr ?? ''}`;
    // The last line a failed command printed says most (a Python traceback ends with the error).
    const said = output.trim().split('\n').at(-1);
    if (!pattern.test(output)) return { ok: false, reason: said || firstLine(err) };
  }
  const match = pattern.exec(output);
  return match === null ? { ok: false, reason: `unexpected output: ${output.slice(0, 200)}` } : { ok: true, version: match[0] };
}

let updated = false;

/**
 * Probe a tool; when it is missing, install its Debian package (after one `apt-get
 * update` per run) and probe again. Says why when it cannot.
 */
async function ensure(pkg: string, check: () => Promise<Availability>): Promise<Availability> {
  const first = await check();
  if (first.ok) return first;
  process.stdout.write(`${pkg} is missing (${first.reason}); installing it with apt-get…\n`);
  const options = { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } };
  try {
    if (!updated) await run('apt-get', ['update'], options);
    updated = true;
    await run('apt-get', ['install', '-y', pkg], options);
  } catch (err) {
    return { ok: false, reason: `cannot install ${pkg} with apt-get: ${firstLine(err)}` };
  }
  const second = await check();
  return second.ok ? second : { ok: false, reason: `${pkg} installed, but still unusable: ${second.reason}` };
}

export const ensureWrk = (): Promise<Availability> => ensure('wrk', () => probe('wrk', ['-v'], /^wrk \S+/m));

export const ensureEventlet = (): Promise<Availability> => ensure('python3-eventlet', () =>
  probe(PYTHON, ['-c', 'import eventlet, sys; print("eventlet", eventlet.__version__, "on Python", sys.version.split()[0])'],
    /^eventlet .*/m));
