import { register } from 'node:module';
import { fileURLToPath } from 'node:url';
import { MessageChannel } from 'node:worker_threads';

/**
 * Call `onFile` with the path of every module file loaded from now on (ES modules, and
 * CommonJS ones reached by `import`), outside node_modules: what `--reload` watches.
 */
export function trackLoadedFiles(onFile: (file: string) => void): void {
  const { port1, port2 } = new MessageChannel();
  port1.on('message', (url: string) => onFile(fileURLToPath(url)));
  port1.unref();
  register(new URL('./loaded-files-hooks.js', import.meta.url), { data: { port: port2 }, transferList: [port2] });
}
