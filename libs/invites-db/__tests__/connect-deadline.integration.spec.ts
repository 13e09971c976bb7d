/**
 * The first connection has a deadline whatever the server answers: a host
 * that is not PostgreSQL (an HTTP server) is named at once in one
 * connection, a silent one by connect_timeout, never a reconnect storm.
 */
import { describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import postgres from 'postgres';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_CONNECT_TIMEOUT_MS, allowIdleInTransaction, openDatabase } from '../src/index.js';
import { startNotPostgresServer } from '@veza/test-support';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { connectTimeoutMs } from '../src/speaks-postgres.js';

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function failure(databaseUrl: string): Promise<{ error: Error & { code?: string }; ms: number }> {
  const t0 = Date.now();
  const error = await openDatabase({ databaseUrl }).then(
    async (conn) => {
      await conn.close();
      throw new Error('opened a database that is not PostgreSQL');
    },
    (e: unknown) => e as Error & { code?: string },
  );
  return { error, ms: Date.now() - t0 };
}

describe('the first connection has a deadline', () => {
  it('a password (or user) holding a space, a slash or an @ is hidden whole in the error (it was printed as it was)', async () => {
    const http = await startNotPostgresServer('http');
    try {
      for (const userInfo of ['ops:pa ss word', 'no create:Secr3tPW', 'ops:pa/ss@wd']) {
        const { error } = await failure(`postgres://${userInfo}@127.0.0.1:${http.port}/veza`);
        expect(error.message).toContain(
          `cannot reach the database at postgres://${userInfo.split(':')[0]}:***@127.0.0.1:${http.port}/veza: `,
        );
        expect(error.message).not.toMatch(/ss word|Secr3tPW|pa\/ss/);
      }
    } finally {
      await http.stop();
    }
  });

  it('an HTTP server at DATABASE_URL: INVITES_DB_UNREACHABLE at once, redacted URL, one connection, no retries after', async () => {
    const http = await startNotPostgresServer('http');
    try {
      const { error, ms } = await failure(http.databaseUrl);
      expect(ms).toBeLessThan(2_000);
      expect(error.code).toBe('INVITES_DB_UNREACHABLE');
      expect(error.message).toBe(
        `cannot reach the database at postgres://ops:***@127.0.0.1:${http.port}/veza: the server does not speak PostgreSQL (it answered "HTTP/1.1 400 Bad Request..Connec…")`,
      );
      await settle(500);
      expect(http.connections).toBe(1);
    } finally {
      await http.stop();
    }
  });

  it('a server that never answers: INVITES_DB_UNREACHABLE by connect_timeout (from the URL), then silence', async () => {
    const silent = await startNotPostgresServer('silent');
    try {
      const { error, ms } = await failure(`${silent.databaseUrl}?connect_timeout=1`);
      expect(ms).toBeGreaterThanOrEqual(900);
      expect(ms).toBeLessThan(3_000);
      expect(error).toMatchObject({
        code: 'INVITES_DB_UNREACHABLE',
        message: expect.stringContaining('no PostgreSQL answer within 1 s (connect_timeout)'),
      });
      expect(error.message).not.toContain('hunter2');
      const seen = silent.connections;
      await settle(500);
      expect(silent.connections).toBe(seen);
      expect(seen).toBeLessThanOrEqual(2);
    } finally {
      await silent.stop();
    }
  });

  it('reads connect_timeout in seconds from the URL, 10 s by default, and refuses a bad one', async () => {
    expect(DEFAULT_CONNECT_TIMEOUT_MS).toBe(10_000);
    expect(connectTimeoutMs('postgres://u@h/db', undefined)).toBe(10_000);
    expect(connectTimeoutMs('postgres://u@h/db?sslmode=disable&connect_timeout=2.5', undefined)).toBe(2_500);
    expect(connectTimeoutMs('postgres://u@h/db?connect_timeout=2', 700)).toBe(700);
    const { error } = await failure('postgres://u:pw@127.0.0.1:1/db?connect_timeout=soon');
    expect(error).toMatchObject({
      code: 'INVITES_DB_UNREACHABLE',
      message: expect.stringContaining('connect_timeout in DATABASE_URL must be a number of seconds > 0 (got "soon")'),
    });
  });

  it.each(testBackends().filter((b) => b.name === 'postgres'))(
    'a server that answers the first query and then goes silent (during the session check): INVITES_DB_UNREACHABLE by connect_timeout ($name)',
    async (backend) => {
      const conn = await openTestDatabase(backend, { migrate: false });
      const target = new URL(conn.url!);
      await conn.close();
      // relays to PostgreSQL until the session check's statement goes by, then relays nothing more: a freeze at that moment
      let silent = false;
      const sockets = new Set<Socket>();
      const relay = createServer((client) => {
        const upstream = connect(Number(target.port), target.hostname);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on('error', () => undefined);
          socket.on('close', () => sockets.delete(socket));
        }
        client.on('data', (data: Buffer) => {
          if (data.includes('pg_settings')) silent = true;
          if (!silent) upstream.write(data);
        });
        upstream.on('data', (data: Buffer) => void (silent || client.write(data)));
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      try {
        const relayed = new URL(target.href);
        relayed.port = String((relay.address() as AddressInfo).port);
        const started = Date.now();
        const error = await openDatabase({ databaseUrl: relayed.href, connectTimeoutMs: 2_000, statementTimeoutMs: 5_000 }).then(
          async (opened) => {
            await opened.close();
            throw new Error('opened through a relay that went silent');
          },
          (e: unknown) => e as Error & { code?: string },
        );
        expect(silent).toBe(true);
        expect(Date.now() - started).toBeLessThan(10_000);
        expect(error.code).toBe('INVITES_DB_UNREACHABLE');
        expect(error.message).toMatch(/no PostgreSQL answer within [\d.]+ s \(connect_timeout\)$/);
      } finally {
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => relay.close(resolve));
      }
    },
    30_000,
  );

  it.each(testBackends().filter((b) => b.name === 'postgres'))(
    'a real PostgreSQL still opens, with or without connect_timeout ($name)',
    async (backend) => {
      const conn = await openTestDatabase(backend, { migrate: false });
      const url = conn.url!;
      await conn.close();
      for (const databaseUrl of [url, `${url}?connect_timeout=3`]) {
        const again = await openDatabase({ databaseUrl });
        await again.close();
      }
    },
  );
});

describe.each(testBackends().filter((b) => b.name === 'postgres'))('a session the server ends in a transaction ($name)', (backend) => {
  // In a process of its own: the old failure was an uncaught TypeError in a setImmediate, which ended
  // the process after the transaction had failed cleanly (jest's sandbox does not see it).
  it('fails the transaction with CONNECTION_CLOSED, the pool goes on and closes, the process lives (its ROLLBACK found no socket: an uncaught TypeError)', async () => {
    const conn = await openTestDatabase(backend, { migrate: false });
    const url = conn.url!;
    await conn.close();
    const module = fileURLToPath(new URL('../src/index.ts', import.meta.url));
    const script = `
      import postgres from 'postgres';
      import { openDatabase } from ${JSON.stringify(module)};
      const conn = await openDatabase({ databaseUrl: process.env.URL });
      const admin = postgres(process.env.URL, { max: 1, onnotice: () => undefined });
      const settle = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
      await conn
        .rawTransaction(async (tx) => {
          const [row] = await tx.query('SELECT pg_backend_pid() AS pid');
          await admin\`SELECT pg_terminate_backend(\${row.pid})\`;
          await settle(200); // the server's goodbye arrives; the next statement finds the session closed
          return tx.query('SELECT 1');
        })
        .then(() => console.log('committed?'), (error) => console.log('failed', error.code));
      await settle(200);
      await admin.end();
      console.log('next', JSON.stringify(await conn.rawTransaction((tx) => tx.query('SELECT 2 AS x'))));
      await conn.close();
      await settle(300);
      console.log('alive');`;
    const child = spawnSync(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: fileURLToPath(new URL('..', import.meta.url)),
      env: { ...process.env, NODE_OPTIONS: '', URL: url },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect({ status: child.status, stdout: child.stdout.trim().split('\n'), stderr: child.stderr }).toEqual({
      status: 0,
      stdout: ['failed CONNECTION_CLOSED', 'next [{"x":2}]', 'alive'],
      stderr: '',
    });
  }, 60_000);

  it('allowIdleInTransaction keeps a transaction that waits on work of its own (files flushed before the commit) from being ended by idle_in_transaction_session_timeout', async () => {
    const conn = await openTestDatabase(backend, { migrate: false });
    const url = conn.url!;
    await conn.close();
    const name = new URL(url).pathname.slice(1);
    const admin = postgres(url, { max: 1, onnotice: () => undefined });
    try {
      await admin.unsafe(`ALTER DATABASE ${name} SET idle_in_transaction_session_timeout = '200ms'`);
    } finally {
      await admin.end();
    }
    const db = await openDatabase({ databaseUrl: url });
    try {
      const waiting = (allow: boolean) =>
        db.db.transaction(async (tx) => {
          if (allow) await allowIdleInTransaction(tx);
          await settle(600); // idle in the transaction, as prepare is while its files are flushed
          return tx.execute(sql`SELECT 1 AS one`);
        });
      await expect(waiting(false)).rejects.toThrow(); // the server ends the session: what prepare met
      await expect(waiting(true)).resolves.toBeDefined();
    } finally {
      await db.close();
    }
  });
});
