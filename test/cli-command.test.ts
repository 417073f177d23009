// The wsgi-bridge command's addresses, loading and usage: a Unix socket and TLS, MODULE:NAME,
// a config file, --check-config, --pid, the log file and USR1, and the exit statuses of a
// bad module (3) and a bad flag (2), each with a clear message.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { request } from 'node:https';
import { createServer } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate, type Certificate } from './helpers/certificate.js';
import { FIXTURES, freePort, get, killLeftovers, startCommand } from './helpers/command.js';
import { waitFor } from './helpers/http.js';

afterEach(killLeftovers);

const SERVING = /primary: worker \d+ serving/;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wsgi-bridge-cli-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('wsgi-bridge addresses', () => {
  it('serves on a Unix socket, and removes it at exit', async () => {
    const socketPath = join(dir, 'app.sock');
    const command = startCommand(['-b', `unix:${socketPath}`, '-w', '2', 'app.mjs']);
    await command.waitFor(SERVING, 15_000, 2);
    const answer = await get({ socketPath, path: '/', agent: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^pid \d+ scheme http/);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
    expect(existsSync(socketPath)).toBe(false);
  });

  describe('TLS', () => {
    let certificate: Certificate;
    beforeAll(async () => {
      certificate = await selfSignedCertificate();
    });
    afterAll(() => rm(certificate.dir, { recursive: true, force: true }));

    it('serves HTTPS with --certfile and --keyfile, on an IPv4 and an IPv6 address at once', async () => {
      const [port4, port6] = [await freePort(), await freePort()];
      const command = startCommand(['-b', `127.0.0.1:${port4}`, '-b', `[::1]:${port6}`, '--certfile', certificate.certfile, '--keyfile', certificate.keyfile, 'app.mjs']);
      await command.waitFor(SERVING);
      expect(command.output()).toContain(`wsgi starting up on https://127.0.0.1:${port4}`);
      expect(command.output()).toContain(`wsgi starting up on https://[::1]:${port6}`);
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port: port4, path: '/', ca: readFileSync(certificate.certfile), servername: 'localhost', agent: false }, (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => (text += chunk.toString()));
          res.on('end', () => resolve(text));
        }).on('error', reject).end();
      });
      expect(body).toMatch(/scheme https/);
      command.signal('SIGTERM');
      expect(await command.exited).toBe(0);
    });
  });
});

describe('wsgi-bridge loading', () => {
  it('serves MODULE:NAME, and the default export when there is no app export', async () => {
    for (const [target, expected] of [['named.mjs:helloWorld', 'named'], ['named.mjs', 'default']] as const) {
      const port = await freePort();
      const command = startCommand(['-b', `127.0.0.1:${port}`, target]);
      await command.waitFor(SERVING);
      expect((await get({ host: '127.0.0.1', port, agent: false })).body).toBe(expected);
      command.signal('SIGTERM');
      expect(await command.exited).toBe(0);
    }
  });

  it('a module that fails to load exits 3 with the error and the path, without restarting', async () => {
    const command = startCommand(['-w', '2', '-b', `127.0.0.1:${await freePort()}`, 'broken.mjs']);
    expect(await command.exited).toBe(3);
    const output = command.output();
    expect(output).toContain(`cannot load the app from ${join(FIXTURES, 'broken.mjs')}`);
    expect(output).toContain('this module is broken on purpose');
    expect(output).not.toMatch(/replacing it/);
  });

  it('a missing module, or one without the named export, exits 3 saying so', async () => {
    const missing = startCommand(['nowhere.mjs']);
    expect(await missing.exited).toBe(3);
    expect(missing.output()).toContain(`${join(FIXTURES, 'nowhere.mjs')} does not exist`);
    const unnamed = startCommand(['app.mjs:nothing']);
    expect(await unnamed.exited).toBe(3);
    expect(unnamed.output()).toMatch(/expected an export named nothing that is a WSGI app \(a function\), found undefined/);
  });

  it('--python with a module that cannot be loaded exits 3, naming the target', async () => {
    const command = startCommand(['--python', 'legacy.wsgi:application', '--python-executable', '/usr/bin/python3']);
    const status = await Promise.race([command.exited, command.waitFor(SERVING).then(() => 'serving')]);
    expect(status).toBe(3);
    expect(command.output()).toMatch(/cannot load the Python app legacy\.wsgi:application/);
  });
});

describe('examples/command.ts', () => {
  it('is served by two workers, as its comment says', async () => {
    const port = await freePort();
    const example = fileURLToPath(new URL('../examples/dist/command.js', import.meta.url));
    const command = startCommand(['-w', '2', '-b', `127.0.0.1:${port}`, example]);
    await command.waitFor(SERVING, 15_000, 2);
    const answer = await get({ host: '127.0.0.1', port, path: '/', agent: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^Hello, World! \(worker \d+\)\r\n$/);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });
});

describe('wsgi-bridge --python', () => {
  it('serves a Python WSGI app from two workers, one Python process each', async () => {
    const port = await freePort();
    const command = startCommand(['-w', '2', '-b', `127.0.0.1:${port}`, '--python', 'legacy_app:application',
      '--pythonpath', FIXTURES, '--python-executable', '/usr/bin/python3']);
    await command.waitFor(SERVING, 30_000, 2);
    const answer = await get({ host: '127.0.0.1', port, path: '/legacy', agent: false });
    expect(answer.status).toBe(200);
    expect(answer.body).toMatch(/^python \/legacy \d+$/);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
  });
});

describe('wsgi-bridge usage errors', () => {
  it.each([
    [['--wrokers', '2', 'app.mjs'], 'unknown flag --wrokers'],
    [['-w', 'many', 'app.mjs'], `-w: expected a whole number >= 1 or 'auto', got "many"`],
    [['--timeout'], '--timeout needs a value'],
    [['-b', '[::1]:99999', 'app.mjs'], '--bind [::1]:99999: the port must be a number from 0 to 65535'],
    [['--max-http-version', 'HTTP/2', 'app.mjs'], "--max-http-version: expected 'HTTP/1.0' or 'HTTP/1.1'"],
    [[], 'no app given'],
    [['app.mjs', 'named.mjs'], 'one app module expected, got 2'],
    [['-c', 'bad-config.mjs', 'app.mjs'], 'unknown option max_requests'],
    [['--forwarded-allow-ips', 'proxy.local', 'app.mjs'], '"proxy.local" is not an IP address'],
  ])('%j exits 2 with the usage line and "%s"', async (args, message) => {
    const command = startCommand(args);
    expect(await command.exited).toBe(2);
    expect(command.output()).toContain('usage: wsgi-bridge [options] MODULE[:NAME]');
    expect(command.output()).toContain(message);
  });
});

describe('wsgi-bridge failures', () => {
  it('a worker that dies while booting is replaced with a backoff, not in a tight loop', async () => {
    const command = startCommand(['-b', `127.0.0.1:${await freePort()}`, 'dies-at-boot.mjs']);
    await command.waitFor(/exited \(status 1\) while booting: replacing it/, 15_000, 3);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
    // 100, 200, 400, 800 ms...: a handful of forks in the time, where a loop would make dozens.
    const deaths = command.output().match(/while booting/g)!.length;
    expect(deaths).toBeGreaterThanOrEqual(3);
    expect(deaths).toBeLessThanOrEqual(9);
  });

  it('an address already in use exits 1 naming it', async () => {
    const port = await freePort();
    const taken = createServer().listen(port, '127.0.0.1');
    try {
      await once(taken, 'listening');
      const command = startCommand(['-w', '2', '-b', `127.0.0.1:${port}`, 'app.mjs']);
      expect(await command.exited).toBe(1);
      expect(command.output()).toContain(`cannot serve on 127.0.0.1:${port}: bind EADDRINUSE`);
    } finally {
      taken.close();
    }
  });

  it('trusts X-Forwarded-Proto from 127.0.0.1 by default, and not when --forwarded-allow-ips leaves it out', async () => {
    for (const [args, scheme] of [[[], 'https'], [['--forwarded-allow-ips', '10.0.0.1'], 'http']] as const) {
      const port = await freePort();
      const command = startCommand(['-b', `127.0.0.1:${port}`, ...args, 'app.mjs']);
      await command.waitFor(SERVING);
      const answer = await get({ host: '127.0.0.1', port, agent: false, headers: { 'X-Forwarded-Proto': 'https' } });
      expect(answer.body).toContain(`scheme ${scheme}`);
      command.signal('SIGTERM');
      expect(await command.exited).toBe(0);
    }
  });
});

describe('wsgi-bridge config, pid file and log', () => {
  it("-w auto is one worker per CPU", async () => {
    const command = startCommand(['-w', 'auto', '--check-config', 'app.mjs']);
    expect(await command.exited).toBe(0);
    expect(command.output()).toContain(`"workers": ${availableParallelism()}`);
  });

  it('--check-config loads the config file and the app, prints the settings, exits 0', async () => {
    const command = startCommand(['-c', 'config.mjs', '--check-config', '--timeout', '7', 'app.mjs']);
    expect(await command.exited).toBe(0);
    const output = command.output();
    expect(output).toContain('"workers": 2');
    expect(output).toContain('"maxRequests": 1000');
    expect(output).toContain('"timeout": 7');
    expect(output).toContain('"forwardedAllowIps": "127.0.0.1,::1"');
    expect(output).toContain('the config and the app load: ok');
  });

  it('--check-config with a broken app exits 3', async () => {
    const command = startCommand(['--check-config', 'broken.mjs']);
    expect(await command.exited).toBe(3);
    expect(command.output()).toContain('this module is broken on purpose');
  });

  it('writes --pid, logs to --access-logfile - (stdout) in the config file format, and removes the pid file at exit', async () => {
    const pidFile = join(dir, 'wsgi-bridge.pid');
    const port = await freePort();
    const command = startCommand(['-c', 'config.mjs', '-w', '1', '-p', pidFile, '--access-logfile', '-', '-b', `127.0.0.1:${port}`, 'app.mjs']);
    await command.waitFor(SERVING);
    expect((await readFile(pidFile, 'utf8')).trim()).toBe(String(command.pid));
    let stdout = '';
    command.child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    await get({ host: '127.0.0.1', port, path: '/logged', agent: false });
    await command.waitFor(/127\.0\.0\.1 GET \/logged HTTP\/1\.1 200/);
    expect(stdout).toMatch(/^127\.0\.0\.1 GET \/logged HTTP\/1\.1 200$/m);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
    expect(existsSync(pidFile)).toBe(false);
  });

  it('USR1 reopens the log file after it was rotated', async () => {
    const logFile = join(dir, 'access.log');
    const port = await freePort();
    const command = startCommand(['--access-logfile', logFile, '-b', `127.0.0.1:${port}`, 'app.mjs']);
    await command.waitFor(SERVING);
    await get({ host: '127.0.0.1', port, path: '/before', agent: false });
    await waitFor(() => existsSync(logFile), 'the log file');
    await rename(logFile, `${logFile}.1`);
    command.signal('SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 300));
    await get({ host: '127.0.0.1', port, path: '/after', agent: false });
    await waitFor(() => existsSync(logFile), 'a new log file', 5000);
    command.signal('SIGTERM');
    expect(await command.exited).toBe(0);
    expect(await readFile(`${logFile}.1`, 'utf8')).toContain('GET /before');
    const fresh = await readFile(logFile, 'utf8');
    expect(fresh).toContain('GET /after');
    expect(fresh).not.toContain('GET /before');
  });
});
