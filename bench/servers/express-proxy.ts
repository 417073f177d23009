import { createServer } from 'node:http';
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { listening } from './listening.js';

/** What a user does today: Express in front, proxying to gunicorn (BENCH_GUNICORN_URL) with http-proxy-middleware. */
export function startProxy(): Promise<number> {
  const target = process.env.BENCH_GUNICORN_URL;
  if (target === undefined) throw new Error('BENCH_GUNICORN_URL is not set');
  const app = express();
  app.use(createProxyMiddleware({ target }));
  return listening(createServer(app));
}
