import { watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

// Editors save in bursts (write, rename, chmod): one reload for the burst.
const SETTLE_MS = 200;

/**
 * `--reload`, as Spawning's: watch the files the app loaded (the workers report them) and
 * call `onChange` once a burst of changes has settled. Folders are watched rather than
 * files, so an editor that saves by renaming a new file over the old one is still seen.
 */
export class ReloadWatcher {
  readonly #onChange: (file: string) => void;
  readonly #files = new Set<string>();
  readonly #folders = new Map<string, FSWatcher>();
  #pending: NodeJS.Timeout | null = null;

  constructor(onChange: (file: string) => void) {
    this.#onChange = onChange;
  }

  add(file: string): void {
    if (this.#files.has(file)) return;
    this.#files.add(file);
    const folder = dirname(file);
    if (this.#folders.has(folder)) return;
    const watcher = watch(folder, (_event, name) => {
      const changed = name === null ? null : `${folder}/${basename(name)}`;
      if (changed !== null && this.#files.has(changed)) this.#changed(changed);
    });
    watcher.on('error', () => this.#folders.delete(folder));
    this.#folders.set(folder, watcher);
  }

  close(): void {
    for (const watcher of this.#folders.values()) watcher.close();
    this.#folders.clear();
    if (this.#pending !== null) clearTimeout(this.#pending);
  }

  #changed(file: string): void {
    if (this.#pending !== null) clearTimeout(this.#pending);
    this.#pending = setTimeout(() => {
      this.#pending = null;
      this.#onChange(file);
    }, SETTLE_MS);
  }
}
