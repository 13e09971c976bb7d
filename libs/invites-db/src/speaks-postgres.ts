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

/** Where a server is reached: a TCP host and port, or the path of a Unix socket. */
export type Endpoint = { host: string; port: number } | { path: string };

/** The server a URL names through libpq's parameters, and the URL without them (what postgres.js is given). */
export interface LibpqServer {
  url: string;
  /** a host name, or a Unix socket's directory (starts with `/`) */
  host: string;
  port: number;
  /** the socket file, for a directory: `<dir>/.s.PGSQL.<port>` */
  path?: string;
}

/**
 * libpq's other ways of naming the server, which postgres.js does not read
 * from a URL: `?host=` (a Unix socket's directory such as `/run/postgresql`,
 * or a host name) with `?port=`, and a socket's directory percent-encoded as
 * the host (`postgresql://%2Frun%2Fpostgresql/veza`). postgres.js connected
 * to localhost:5432 instead (another server, perhaps) and sent `host` to the
 * server as a setting. Null for a URL that names its host the usual way;
 * throws on a value libpq would refuse too.
 */
export function libpqServer(url: string, env: Readonly<Record<string, string | undefined>> = process.env): LibpqServer | null {
  let parsed: URL;
  try {
    parsed = new URL(withHostAfterUserInfo(url));
  } catch {
    return null;
  }
  const queryHost = parsed.searchParams.get('host');
  let authorityHost = parsed.hostname;
  try {
    authorityHost = decodeURIComponent(authorityHost);
  } catch {
    // a malformed %-escape: not a socket directory, postgres.js reads the host as it is
  }
  if (queryHost === null && !authorityHost.startsWith('/')) return null;
  const host = queryHost ?? authorityHost;
  if (host === '' || host.includes(','))
    throw new Error(`DATABASE_URL's host parameter must name one host or socket directory (got "${host}")`);
  const rawPort = parsed.searchParams.get('port') ?? (parsed.port || env['PGPORT'] || '5432');
  const port = /^\d{1,5}$/.test(rawPort) ? Number(rawPort) : Number.NaN;
  if (!(port >= 1 && port <= 65_535)) throw new Error(`DATABASE_URL's port must be a number from 1 to 65535 (got "${rawPort}")`);
  parsed.searchParams.delete('host');
  parsed.searchParams.delete('port');
  // postgres.js reads a host from the URL text itself: the socket directory goes as an option only
  const rest = parsed.toString().replace(/^(postgres(?:ql)?:\/\/(?:[^@/?#]*@)?)[^/?#]*/, '$1localhost');
  return { url: rest, host, port, ...(host.startsWith('/') ? { path: `${host.replace(/\/+$/, '')}/.s.PGSQL.${port}` } : {}) };
}

/**
 * libpq's `postgresql://user@/db?host=/run/postgresql` (a user, no host: the
 * host comes from `?host=`) with `localhost` in the empty host, which the
 * WHATWG URL parser needs; any other URL as it is.
 */
export function withHostAfterUserInfo(url: string): string {
  return /[?&]host=/.test(url) ? url.replace(/^(postgres(?:ql)?:\/\/[^/?#]*@)(?=[/?#]|$)/, '$1localhost') : url;
}

/**
 * Where the check reaches the server: a single TCP host, or a Unix socket; null for what it does not cover (several hosts).
 * `server`: libpqServer(url), when the caller has it already. A URL without a port is on `PGPORT` when set, as
 * postgres.js connects (the check and the stall watch went to 5432: a server there answered for the one the
 * commands used, none there was "unreachable"); a `PGPORT` that is not a port is left to postgres.js.
 */
export function probeEndpoint(
  url: string,
  server: LibpqServer | null = libpqServer(url),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Endpoint | null {
  if (server) return server.path ? { path: server.path } : { host: server.host, port: server.port };
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return null;
  }
  if (!parsed.hostname || parsed.hostname.includes(',')) return null;
  const port = parsed.port || env['PGPORT'] || '5432';
  if (!/^\d{1,5}$/.test(port)) return null;
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port: Number(port) };
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
 * postgres.js would retry such a host without end. Rejects with what was seen;
 * resolves with the answer: `tls` (S, the server takes TLS), `plain` (N, it
 * does not), `error` (E).
 */
export function checkSpeaksPostgres(endpoint: Endpoint, deadlineMs: number): Promise<'tls' | 'plain' | 'error'> {
  return new Promise((resolve, reject) => {
    const socket = connect(endpoint);
    let settled = false;
    const finish = (error?: Error, answer: 'tls' | 'plain' | 'error' = 'error') => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      if (error) reject(error);
      else resolve(answer);
    };
    const timer = setTimeout(() => finish(new Error(`no PostgreSQL answer within ${deadlineMs / 1_000} s (connect_timeout)`)), deadlineMs);
    socket.once('connect', () => socket.write(Buffer.from([0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f])));
    socket.once('data', (data: Buffer) => {
      const first = data[0];
      // 'S' / 'N': the SSL answer; 'E': an error packet from a PostgreSQL that refuses the request itself.
      if (first === 0x53 || first === 0x4e || first === 0x45)
        finish(undefined, first === 0x53 ? 'tls' : first === 0x4e ? 'plain' : 'error');
      else finish(new Error(`the server does not speak PostgreSQL (it answered ${shown(data)})`));
    });
    socket.once('error', (error) => finish(error));
    socket.once('close', () => finish(new Error('the server closed the connection without a PostgreSQL answer')));
  });
}
