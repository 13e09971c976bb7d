/**
 * libpq's ways of naming a Unix socket (`?host=/run/postgresql`, or the
 * directory %-encoded as the host) reach that socket. postgres.js reads
 * neither from a URL: it went to localhost:5432 instead, which is another
 * server when one listens there, and sent `host` to the server as a setting.
 */
import { describe, expect, it } from '@jest/globals';
import { sql } from 'drizzle-orm';
import { databaseSettingsFromEnv, openDatabase } from '../src/index.js';
import type { Connection } from '../src/index.js';
import { rows } from './query-rows.js';

const socketDir = process.env['TEST_DATABASE_SOCKET_DIR'];
const port = process.env['TEST_DATABASE_URL'] ? new URL(process.env['TEST_DATABASE_URL']).port : '';
const withServer = socketDir && port ? describe : describe.skip;

/** the server's address as it sees this session: null over a Unix socket */
async function serverAddress(conn: Connection): Promise<string | null> {
  const [row] = await rows<{ addr: string | null }>(conn, sql`SELECT inet_server_addr()::text AS addr`);
  return row?.addr ?? null;
}

withServer('DATABASE_URL naming a Unix socket as libpq does', () => {
  const dir = socketDir ?? '';
  const forms = [
    `postgresql:///postgres?host=${dir}&port=${port}&user=postgres`,
    `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}&port=${port}`,
    `postgresql://postgres@${encodeURIComponent(dir)}:${port}/postgres`,
  ];

  it.each(forms)('%s: accepted by the settings, connects through the socket, locks and queries work', async (databaseUrl) => {
    const settings = databaseSettingsFromEnv({ DATABASE_URL: databaseUrl });
    expect(settings.ok).toBe(true);
    const conn = await openDatabase({ databaseUrl, stallDeadlineMs: 2_000 });
    try {
      expect(await serverAddress(conn)).toBeNull();
      const release = await conn.holdLock('unix-socket-spec');
      await release();
    } finally {
      await conn.close();
    }
  });

  it('a socket directory with no server: INVITES_DB_UNREACHABLE naming the socket file, not localhost:5432', async () => {
    const databaseUrl = `postgresql:///postgres?host=${dir}/nowhere&port=${port}&user=postgres`;
    await expect(openDatabase({ databaseUrl, connectTimeoutMs: 2_000 })).rejects.toThrow(
      `cannot reach the database at ${databaseUrl}: connect ENOENT ${dir}/nowhere/.s.PGSQL.${port}`,
    );
  });

  it('a host name in ?host= is the server reached (the URL has none of its own)', async () => {
    const conn = await openDatabase({ databaseUrl: `postgresql:///postgres?host=127.0.0.1&port=${port}&user=postgres` });
    try {
      expect(await serverAddress(conn)).toBe('127.0.0.1/32');
    } finally {
      await conn.close();
    }
  });

  it('a port that is not a number is refused before any connection', async () => {
    await expect(openDatabase({ databaseUrl: `postgresql:///postgres?host=${dir}&port=54x` })).rejects.toThrow(
      `DATABASE_URL's port must be a number from 1 to 65535 (got "54x")`,
    );
  });
});
