import cluster from 'node:cluster';
import { readFileSync } from 'node:fs';
import { Arbiter } from './arbiter.js';
import { parseCommandLine } from './args.js';
import { AppLoadError, EXIT, UsageError } from './errors.js';
import { loadApp } from './load-app.js';
import { PidFile } from './pidfile.js';
import { loadSettings, type Settings } from './settings.js';
import { handleSignals } from './signals.js';
import { helpText, USAGE } from './usage.js';
import { fatal, runWorker } from './worker.js';

/**
 * The `wsgi-bridge` command: in the primary process, parse `argv` (the arguments after the
 * script), then fork the workers and supervise them until stopped; in a worker (the
 * command's bin, forked by the primary with the same arguments), serve. Resolves with the
 * exit status: 0 after a stop, 1 when an address cannot be bound, 2 for a usage error, 3
 * when the app cannot be loaded.
 */
export async function main(argv: readonly string[]): Promise<number> {
  try {
    const line = parseCommandLine(argv);
    if (line.help) return print(helpText());
    if (line.version) return print(`wsgi-bridge ${version()}\n`);
    const settings = await loadSettings(line);
    if (!cluster.isPrimary) return await runWorker(settings);
    if (line.checkConfig) return await checkConfig(settings);
    return await runPrimary(settings, argv);
  } catch (err) {
    // A worker's failure is the primary's to report, once, and not to retry.
    if (!cluster.isPrimary && (err instanceof UsageError || err instanceof AppLoadError)) {
      return fatal(err instanceof UsageError ? EXIT.usage : EXIT.appNotLoaded, err.message);
    }
    if (err instanceof UsageError) {
      process.stderr.write(`${USAGE}\nwsgi-bridge: error: ${err.message}\n`);
      return EXIT.usage;
    }
    if (err instanceof AppLoadError) {
      process.stderr.write(`wsgi-bridge: ${err.message}\n`);
      return EXIT.appNotLoaded;
    }
    throw err;
  }
}

async function runPrimary(settings: Settings, argv: readonly string[]): Promise<number> {
  const pidFile = settings.pid === null ? null : new PidFile(settings.pid);
  const arbiter = new Arbiter(settings, argv);
  handleSignals(arbiter);
  const status = await arbiter.start();
  pidFile?.remove();
  return status;
}

/** gunicorn's --check-config: load the config and the app, print the settings, exit 0. */
async function checkConfig(settings: Settings): Promise<number> {
  const loaded = await loadApp(settings.app, settings.timeout);
  await loaded.close();
  print(`${JSON.stringify(settings, null, 2)}\nthe config and the app load: ok\n`);
  return EXIT.stopped;
}

function print(text: string): number {
  process.stdout.write(text);
  return EXIT.stopped;
}

function version(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return manifest.version;
}
