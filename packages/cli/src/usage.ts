import { COMMAND_FLAGS, FLAGS } from './flags.js';

/** The one-line synopsis printed with every usage error. */
export const USAGE = 'usage: wsgi-bridge [options] MODULE[:NAME]\n       wsgi-bridge [options] --python MODULE:CALLABLE';

/** `--help`: the synopsis, every flag, the signals. */
export function helpText(): string {
  const rows: Array<[string, string]> = [];
  const name = (long: string, short: string | undefined, meta: string | null): string =>
    `${short === undefined ? '    ' : `-${short}, `}--${long}${meta === null ? '' : ` ${meta}`}`;
  for (const flag of Object.values(COMMAND_FLAGS)) {
    rows.push([name(flag.long, 'short' in flag ? flag.short : undefined, 'meta' in flag ? flag.meta : null), flag.help]);
  }
  for (const flag of FLAGS) {
    rows.push([name(flag.negated === true ? `no-${flag.long}` : flag.long, flag.short, flag.kind.meta), flag.help]);
  }
  const width = Math.max(...rows.map(([left]) => left.length)) + 2;
  return [
    USAGE,
    '',
    'Serve a WSGI app (environ, start_response) with worker processes, as gunicorn.',
    'MODULE[:NAME]: a JS module and its export (default: app, then the default export).',
    '',
    'options:',
    ...rows.map(([left, help]) => `  ${left.padEnd(width)}${help}`),
    '',
    'signals to the primary: TERM graceful stop; INT, QUIT quick stop; HUP rolling reload;',
    'TTIN, TTOU one worker more, one less; USR1 reopen the log file.',
    'exit status: 0 after a stop, 2 usage error, 3 the app cannot be loaded.',
    '',
  ].join('\n');
}
