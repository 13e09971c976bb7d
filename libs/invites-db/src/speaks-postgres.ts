import { connect } from 'node:net';

/** The first connection's deadline when DATABASE_URL has no connect_timeout: 10 s (libpq's name, in seconds). */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * The first connection's deadline: OpenOptions.connectTimeoutMs, else the
 * URL's `connect_timeout` query parameter (seconds, as libpq and postgres.js
 * read it), else 10 s. Throws on a value that is not a positive number.
 */
export function connectTimeoutMs(url: string, explicitMs: number | undefined): number {
  if (explicitMs !== undefined) return explicitMs;
  let raw: string | null = null;
  try {
    raw = new URL(url).searchParams.get('connect_timeout');
  } catch {
    raw = /[?&]connect_timeout=([^&]*)/.exec(url)?.[1] ?? null;
  }
  if (raw === null) return DEFAULT_CONNECT_TIMEOUT_MS;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : Number.NaN;
  if (!(seconds > 0)) throw new Error(`connect_timeout in DATABASE_URL must be a number of seconds > 0 (got "${raw}")`);
  return Math.round(seconds * 1_000);
}

/** host and port of a single-host TCP URL; null for what this check does not cover (several hosts, a Unix socket). */
export function tcpEndpoint(url: string): { host: string; port: number } | null {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (parsed.searchParams.has('host') || !parsed.hostname || parsed.hostname.includes(',')) return null;
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: parsed.port ? Number(parsed.port) : 5432 };
}

function shown(bytes: Buffer): string {
  const text = bytes
    .subarray(0, 32)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '.');
  return `"${text}${bytes.length > 32 ? '…' : ''}"`;
}

/**
 * One connection, one SSLRequest (8 bytes), one answer: PostgreSQL (and
 * poolers speaking its protocol) answers a single byte S or N before
 * anything else. Anything else — an HTTP server's "HTTP/1.1 400", a closed
 * connection, silence until the deadline — is not a PostgreSQL server, and
 * postgres.js would retry such a host without end. Rejects with what was seen.
 */
export function checkSpeaksPostgres(endpoint: { host: string; port: number }, deadlineMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: endpoint.host, port: endpoint.port });
    let settled = false;
    const finish = (error?: Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve();
    };
    const timer = setTimeout(() => finish(new Error(`no PostgreSQL answer within ${deadlineMs / 1_000} s (connect_timeout)`)), deadlineMs);
    socket.once('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', (data: Buffer) => {
      const first = data[0];
      // 'S' / 'N': the SSL answer; 'E': an error packet from a PostgreSQL that refuses the request itself.
      if (first === 0x53 || first === 0x4e || first === 0x45) finish();
      else finish(new Error(`the server does not speak PostgreSQL (it answered ${shown(data)})`));
    });
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error('the server closed the connection without a PostgreSQL answer')));
  });
}
