import { existsSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { WsgiApp } from '@wsgi-bridge/core';
import { AppLoadError, explain } from './errors.js';
import type { AppTarget } from './settings.js';

/** An app ready to serve, and how to release what it holds (a Python app's processes). */
export interface LoadedApp {
  app: WsgiApp;
  close(): Promise<void>;
}

/** @wsgi-bridge/python's API, as the design fixes it; that package is optional. */
interface PythonModule {
  pythonApp(target: string, options: { python?: string; path?: string[]; workers?: number; timeout?: number; maxRequests?: number }):
    WsgiApp & { ready: Promise<unknown>; close(): Promise<void> };
}

// A variable, so the compiler does not resolve an optional package that may not be there.
const PYTHON_PACKAGE: string = '@wsgi-bridge/python';
const nothing = async (): Promise<void> => {};

/** Load the app of the settings. Throws an {@link AppLoadError} that names the file or target and why. */
export async function loadApp(target: AppTarget, timeout: number): Promise<LoadedApp> {
  return target.kind === 'js' ? loadModuleApp(target.file, target.name) : loadPythonApp(target, timeout);
}

async function loadModuleApp(file: string, name: string | undefined): Promise<LoadedApp> {
  if (!existsSync(file)) throw new AppLoadError(`cannot load the app: ${file} does not exist`);
  let module: Record<string, unknown>;
  try {
    module = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    throw new AppLoadError(`cannot load the app from ${file}:\n${explain(err)}`);
  }
  const app = name !== undefined ? module[name] : module.app ?? module.default;
  if (typeof app !== 'function') {
    const wanted = name !== undefined ? `an export named ${name}` : 'an export named app or a default export';
    throw new AppLoadError(`cannot load the app from ${file}: expected ${wanted} that is a WSGI app (a function), found ${typeof app}`);
  }
  return { app: app as WsgiApp, close: nothing };
}

async function loadPythonApp(target: Extract<AppTarget, { kind: 'python' }>, timeout: number): Promise<LoadedApp> {
  let module: Partial<PythonModule>;
  try {
    module = (await import(PYTHON_PACKAGE)) as Partial<PythonModule>;
  } catch (err) {
    throw new AppLoadError(`--python needs ${PYTHON_PACKAGE}, which cannot be loaded (npm install ${PYTHON_PACKAGE}): ${(err as Error).message}`);
  }
  if (typeof module.pythonApp !== 'function') {
    throw new AppLoadError(`--python needs ${PYTHON_PACKAGE} with its pythonApp export; the installed one has none`);
  }
  const app = module.pythonApp(target.target, {
    python: target.executable,
    path: target.path,
    workers: target.workers,
    timeout,
    // The worker recycles itself (--max-requests), and its Python processes with it.
    maxRequests: 0,
  });
  try {
    await app.ready;
  } catch (err) {
    await app.close();
    throw new AppLoadError(`cannot load the Python app ${target.target} (sys.path ${target.path.join(':')}):\n${explain(err)}`);
  }
  return { app, close: () => app.close() };
}
