import { COMMAND_FLAGS, FLAGS, type Flag } from './flags.js';
import { UsageError } from './errors.js';
import type { CliOptions } from './options.js';

/** What the command line says: the options it sets, the app, and what to do. */
export interface CommandLine {
  options: CliOptions;
  /** `MODULE[:NAME]`, when given. */
  target: string | undefined;
  config: string | undefined;
  checkConfig: boolean;
  help: boolean;
  version: boolean;
}

const BY_NAME = new Map<string, Flag>();
for (const flag of FLAGS) {
  BY_NAME.set(`--${flag.negated === true ? 'no-' : ''}${flag.long}`, flag);
  if (flag.short !== undefined) BY_NAME.set(`-${flag.short}`, flag);
  if (flag.alias !== undefined) BY_NAME.set(`--${flag.alias}`, flag);
}

/** Read argv (without node and the script). Throws a {@link UsageError} naming a bad flag or value. */
export function parseCommandLine(argv: readonly string[]): CommandLine {
  const line: CommandLine = { options: {}, target: undefined, config: undefined, checkConfig: false, help: false, version: false };
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positional.push(arg);
      continue;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq === -1 ? arg : arg.slice(0, eq);
    const inline = eq === -1 ? undefined : arg.slice(eq + 1);
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[++i];
      if (next === undefined) throw new UsageError(`${name} needs a value`);
      return next;
    };
    if (commandFlag(line, name, value)) continue;
    const flag = BY_NAME.get(name);
    if (flag === undefined) throw new UsageError(`unknown flag ${name}`);
    if (flag.kind.meta === null) {
      if (inline !== undefined) throw new UsageError(`${name} takes no value`);
      setOption(line.options, flag, flag.negated !== true);
    } else {
      setOption(line.options, flag, readValue(flag, name, value()));
    }
  }
  if (positional.length > 1) throw new UsageError(`one app module expected, got ${positional.length}: ${positional.join(' ')}`);
  line.target = positional[0];
  return line;
}

function commandFlag(line: CommandLine, name: string, value: () => string): boolean {
  const is = (flag: { long: string; short?: string }): boolean => name === `--${flag.long}` || (flag.short !== undefined && name === `-${flag.short}`);
  if (is(COMMAND_FLAGS.config)) line.config = value();
  else if (is(COMMAND_FLAGS.checkConfig)) line.checkConfig = true;
  else if (is(COMMAND_FLAGS.help)) line.help = true;
  else if (is(COMMAND_FLAGS.version)) line.version = true;
  else return false;
  return true;
}

function readValue(flag: Flag, name: string, text: string): unknown {
  try {
    return flag.kind.fromText(text);
  } catch (err) {
    throw new UsageError(`${name}: ${(err as Error).message}`);
  }
}

/** Repeatable flags add to the list; the rest replace. */
function setOption(options: CliOptions, flag: Flag, value: unknown): void {
  const record = options as Record<string, unknown>;
  const previous = record[flag.key];
  record[flag.key] = Array.isArray(value) && Array.isArray(previous) ? [...previous, ...value] : value;
}
