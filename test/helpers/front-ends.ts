import type { WsgiApp } from '@wsgi-bridge/core';
import { serve } from './serve.js';

/** A running front end serving one WSGI app on a loopback port. */
export interface Mounted {
  port: number;
  /** The server's log and wsgi.errors text. */
  log: string[];
  close(): Promise<void>;
}

/** One way to run a WSGI app: the standalone server, Express, Fastify. */
export interface FrontEnd {
  name: string;
  mount(app: WsgiApp): Promise<Mounted>;
}

export const standalone: FrontEnd = {
  name: 'standalone server',
  mount: (app) => serve(app),
};

export const frontEnds: FrontEnd[] = [standalone];
