import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** A self-signed certificate and its key, as files in a folder and as their bytes. */
export interface SelfSignedCertificate {
  keyPath: string;
  certPath: string;
  key: Buffer;
  cert: Buffer;
}

/**
 * A fresh self-signed certificate for `commonName` (valid `days` days), made
 * with openssl into `dir` (key.pem, cert.pem): what a relay or server set up
 * by hand presents. smtp-server's built-in certificate has expired, so TLS
 * specs make their own; `certPath` is what NODE_EXTRA_CA_CERTS trusts.
 */
export function selfSignedCertificate(dir: string, commonName: string, days = 2): SelfSignedCertificate {
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-subj',
      `/CN=${commonName}`,
      '-days',
      String(days),
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' },
  );
  return { keyPath, certPath, key: readFileSync(keyPath), cert: readFileSync(certPath) };
}
