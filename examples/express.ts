// A WSGI app inside an existing Express app, so handlers can move over one route at a time:
//
//   app.use('/legacy', wsgiMount(legacy))
//
//   curl http://127.0.0.1:8090/                       -> a native Express route
//   curl http://127.0.0.1:8090/legacy/some/path?q=1   -> the WSGI app: SCRIPT_NAME /legacy, PATH_INFO /some/path
//   curl -T big.file http://127.0.0.1:8090/legacy/echo   -> the body streamed back as it arrives
//   curl http://127.0.0.1:8090/legacy/fail            -> the app's error, through Express's error handler
import express, { type NextFunction, type Request, type Response } from 'express';
import { wsgiMount, type Environ, type WsgiApp } from '@wsgi-bridge/express';

async function* echo(environ: Environ): AsyncGenerator<Buffer> {
  for (;;) {
    const chunk = await environ['wsgi.input'].read(65536);
    if (chunk.length === 0) return;
    yield chunk;
  }
}

export const legacy: WsgiApp = (environ, startResponse) => {
  if (environ.PATH_INFO === '/fail') throw new Error('the legacy handler failed');
  startResponse('200 OK', [['Content-Type', 'text/plain']]);
  if (environ.PATH_INFO === '/echo') return echo(environ);
  return [`SCRIPT_NAME=${environ.SCRIPT_NAME} PATH_INFO=${environ.PATH_INFO} QUERY_STRING=${environ.QUERY_STRING}\n`];
};

const app = express();
// Before any body parser, so the WSGI app reads the request body itself, streamed.
app.use('/legacy', wsgiMount(legacy));
app.use(express.json());
app.get('/', (_req, res) => {
  res.type('text/plain').send('Hello from Express\n');
});
// An app error raised before any byte was sent arrives here through next(err).
app.use((err: Error, req: Request, res: Response, _next: NextFunction) => {
  res.status(500).type('text/plain').send(`${req.originalUrl} failed: ${err.message}\n`);
});

const port = Number(process.env.PORT ?? 8090);
const listening = app.listen(port, () => console.log(`Express with a WSGI app on http://127.0.0.1:${port}/`));
process.once('SIGTERM', () => listening.close());
process.once('SIGINT', () => listening.close());
