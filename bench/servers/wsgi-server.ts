import { once } from 'node:events';
import { listen, server } from '@wsgi-bridge/server';
import { benchApp } from './wsgi-apps.js';
import { portOf } from './listening.js';

/** Ours: the standalone server, access log off as for every contender. */
export async function start(): Promise<number> {
  const sock = listen(['127.0.0.1', 0]);
  void server(sock, benchApp, { logOutput: false });
  if (!sock.listening) await once(sock, 'listening');
  return portOf(sock);
}
