/**
 * @wsgi-bridge/cli: the `wsgi-bridge` command, gunicorn and Spawning for Node.js.
 *
 * ```sh
 * wsgi-bridge -w 4 -b 0.0.0.0:8000 app.js:helloWorld
 * ```
 *
 * A config file (`-c wsgi-bridge.config.js`) can type its options:
 *
 * ```ts
 * import type { CliOptions } from '@wsgi-bridge/cli';
 * export default { workers: 4, bind: ['0.0.0.0:8000'] } satisfies CliOptions;
 * ```
 */
export { main } from './main.js';
export type { CliOptions } from './options.js';
export { EXIT } from './errors.js';
