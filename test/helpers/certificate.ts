import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** A throwaway certificate for the TLS tests: files in a fresh temporary folder. */
export interface Certificate {
  dir: string;
  certfile: string;
  keyfile: string;
}

/** A self-signed certificate for `localhost` and `127.0.0.1`, made by the openssl command line. */
export async function selfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(join(tmpdir(), 'wsgi-bridge-tls-'));
  const certfile = join(dir, 'cert.pem');
  const keyfile = join(dir, 'key.pem');
  await promisify(execFile)('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', keyfile, '-out', certfile,
  ]);
  return { dir, certfile, keyfile };
}
