import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';

/** libpq's sslmode values, in the order of its docs. */
export const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;

/** The TLS a URL asks for, as postgres.js takes it, and the URL without libpq's TLS parameters. */
export interface LibpqTls {
  url: string;
  /** postgres.js's `ssl` option */
  ssl: false | 'prefer' | 'require' | ConnectionOptions;
  /** the connection must be TLS (require, verify-ca, verify-full) */
  required: boolean;
}

const TLS_PARAMETERS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey'] as const;

/** The value of `?sslmode=` when it is not one libpq knows, else null. */
export function badSslMode(url: string): string | null {
  const mode = /[?&]sslmode=([^&#]*)/.exec(url)?.[1];
  return mode !== undefined && !(SSL_MODES as readonly string[]).includes(mode) ? mode : null;
}

function readPem(parameter: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new Error(`DATABASE_URL's ${parameter} cannot be read: ${path} (${typeof code === 'string' ? code : String(error)})`);
  }
}

/**
 * libpq's TLS parameters, which postgres.js reads only in part from a URL:
 * it reads `sslmode` (verify-ca as verify-full, and any unknown value as
 * verify-full too) and sends `sslrootcert`, `sslcert` and `sslkey` to the
 * server as settings, which refuses the connection ("unrecognized
 * configuration parameter"). So `sslmode=verify-full&sslrootcert=ca.crt`,
 * the way psql trusts a private CA, could not connect, and an operator was
 * left with `sslmode=require`, which verifies nothing. As libpq: the file of
 * `sslrootcert` is the CA trusted (`system`: the machine's CAs), verify-ca
 * checks the chain and not the name, `require` with a `sslrootcert` verifies
 * the chain too (libpq's rule for compatibility), `sslcert`/`sslkey` are the
 * client certificate. Null when the URL has none of them (postgres.js as it
 * is); throws on an unknown mode or a file that cannot be read.
 */
export function libpqTls(url: string): LibpqTls | null {
  if (!TLS_PARAMETERS.some((name) => new RegExp(`[?&]${name}=`).test(url))) return null;
  const bad = badSslMode(url);
  if (bad !== null) throw new Error(`DATABASE_URL's sslmode must be one of ${SSL_MODES.join(', ')} (got "${bad}")`);
  const query = url.indexOf('?');
  const params = new URLSearchParams(url.slice(query + 1).replace(/#.*$/, ''));
  const mode = (params.get('sslmode') ?? 'prefer') as (typeof SSL_MODES)[number];
  const rootcert = params.get('sslrootcert');
  const cert = params.get('sslcert');
  const key = params.get('sslkey');
  for (const name of TLS_PARAMETERS) params.delete(name);
  const rest = params.toString();
  const stripped = url.slice(0, query) + (rest ? `?${rest}` : '');
  if (mode === 'disable') return { url: stripped, ssl: false, required: false };
  const client: ConnectionOptions = {
    ...(cert ? { cert: readPem('sslcert', cert) } : {}),
    ...(key ? { key: readPem('sslkey', key) } : {}),
  };
  const verify = mode === 'verify-ca' || mode === 'verify-full' || (mode === 'require' && rootcert !== null);
  if (!verify) {
    const plain = mode === 'require' ? 'require' : 'prefer';
    return { url: stripped, ssl: cert || key ? { ...client, rejectUnauthorized: false } : plain, required: mode === 'require' };
  }
  const ca = rootcert && rootcert !== 'system' ? { ca: readPem('sslrootcert', rootcert) } : {};
  const ssl: ConnectionOptions = {
    ...client,
    ...ca,
    rejectUnauthorized: true,
    // verify-ca (and require with a root certificate): the chain, not the host name
    ...(mode === 'verify-full' ? {} : { checkServerIdentity: () => undefined }),
  };
  return { url: stripped, ssl, required: true };
}

const UNTRUSTED_CERTIFICATE =
  /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|CERT_HAS_EXPIRED|CERT_NOT_YET_VALID|ERR_TLS_CERT_ALTNAME_INVALID/;

/**
 * What to do about a TLS failure of the first connection, or null: Node's
 * words ("unable to verify the first certificate", "Client network socket
 * disconnected before secure TLS connection was established") name neither
 * the CA nor the server's TLS setting.
 */
export function tlsAdvice(error: unknown, url: string): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNTRUSTED_CERTIFICATE.test(code))
    return code === 'ERR_TLS_CERT_ALTNAME_INVALID'
      ? "the server's certificate is for another name than DATABASE_URL's host: connect by a name the certificate lists, or use sslmode=verify-ca (the chain only)"
      : /[?&]sslrootcert=/.test(url)
        ? "the server's certificate is not signed by the CA of DATABASE_URL's sslrootcert (or it expired): give the CA that signed it"
        : "the server's certificate is not signed by a CA this machine trusts: give its CA with sslrootcert=/path/to/ca.crt in DATABASE_URL";
  return null;
}
