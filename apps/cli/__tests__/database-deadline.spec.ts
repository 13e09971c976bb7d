/**
 * A DATABASE_URL that points at something other than PostgreSQL (an HTTP
 * server, a silent host): the command ends by the connect deadline with
 * INVITES_DB_UNREACHABLE and the URL's password hidden, in one connection
 * for a host that answers other bytes — no reconnect storm, no hang.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { childEnv, startLaunched, startNotPostgresServer } from '@veza/test-support';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, emails, freshDatabaseEnv, openEnvDatabase, preparedFolder } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-db-deadline-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('invites report on a DATABASE_URL that is not PostgreSQL', () => {
  it.each([
    ['http', '', 'the server does not speak PostgreSQL (it answered "HTTP/1.1 400'],
    ['silent', '?connect_timeout=2', 'no PostgreSQL answer within 2 s (connect_timeout)'],
  ] as const)('%s server: exit 1, INVITES_DB_UNREACHABLE with the redacted URL, by the deadline', async (mode, query, cause) => {
    const impostor = await startNotPostgresServer(mode);
    try {
      const t0 = Date.now();
      const run = await runVezaBeta(['invites', 'report'], { cwd, env: { DATABASE_URL: `${impostor.databaseUrl}${query}` } });
      expect(Date.now() - t0).toBeLessThan((mode === 'http' ? 0 : 2_000) + 10_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(
        `error INVITES_DB_UNREACHABLE: cannot reach the database at postgres://ops:***@127.0.0.1:${impostor.port}/veza${query}: ${cause}`,
      );
      expect(run.stderr).not.toContain('hunter2');
      expect(impostor.connections).toBeLessThanOrEqual(mode === 'http' ? 1 : 2);
    } finally {
      await impostor.stop();
    }
  });
});

/** A TCP relay in front of PostgreSQL that can stop relaying, as a stopped server or a hung network does: nothing is closed, nothing answers. */
async function freezableRelay(
  target: {
    host: string;
    port: number;
  },
  /** freezes the relay by itself when the client sends these bytes (a query naming a table), before they are relayed */
  freezeOn?: string,
): Promise<{ port: number; freeze: (on: boolean) => void; close: () => Promise<void> }> {
  let frozen = false;
  const held: (() => void)[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const relay = () => {
      const upstream = connect(target);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      upstream.on('error', () => client.destroy());
      client.on('error', () => upstream.destroy());
      client.on('data', (chunk: Buffer) => {
        if (freezeOn !== undefined && chunk.includes(freezeOn)) frozen = true;
        if (frozen) held.push(() => upstream.write(chunk));
        else upstream.write(chunk);
      });
      upstream.on('data', (chunk) => (frozen ? held.push(() => client.write(chunk)) : client.write(chunk)));
      client.on('end', () => upstream.end());
      upstream.on('end', () => client.end());
    };
    if (frozen) held.push(relay);
    else relay();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    freeze: (on) => {
      frozen = on;
      if (!on) for (const go of held.splice(0)) go();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

const postgresBackend = testBackends().find((b) => b.name === 'postgres');

(postgresBackend ? describe : describe.skip)('a PostgreSQL that stops answering in the middle of a command', () => {
  it('invites dispatch ends by DATABASE_STALL_TIMEOUT with the reason, instead of waiting for the server to come back', async () => {
    const env = await freshDatabaseEnv(postgresBackend!, cwd);
    const url = new URL(env['DATABASE_URL']!);
    const relay = await freezableRelay({ host: url.hostname, port: Number(url.port) });
    try {
      const out = join(cwd, 'out');
      await preparedFolder(env, out, emails(4, 'f'));
      url.port = String(relay.port);
      const run = runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], {
        cwd,
        env: { DATABASE_URL: url.href, DATABASE_STALL_TIMEOUT: '3', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log'), DELAY: '1' },
      });
      // connected and sending: the first email is in sent.log (a fixed wait froze the relay mid-connect on a busy machine)
      const sentLog = join(cwd, 'sent.log');
      for (const until = Date.now() + 30_000; !(existsSync(sentLog) && readFileSync(sentLog, 'utf8').length > 0);) {
        if (Date.now() > until) throw new Error('the dispatch sent nothing within 30 s');
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      relay.freeze(true);
      const started = Date.now();
      const unfreeze = setTimeout(() => relay.freeze(false), 25_000); // the old way went on only then
      const done = await run;
      clearTimeout(unfreeze);
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(done.code).not.toBe(0);
      expect(done.stderr).toContain('has not answered for 3 s (a stopped server, a hung machine or network)');
      // no summary comes after the error: what had been done, and what to do, are said before it
      expect(done.stderr).toMatch(
        /dispatch of \S+ stopped by the error below, after [1-9]\d* sent and 0 failed \(\S+dispatch\.log has each\)\. Once it is fixed, run the same command again/,
      );
      expect(done.stderr).not.toContain(url.password || 'no-password-here');
    } finally {
      relay.freeze(false);
      await relay.close();
    }
  }, 60_000);
});

(postgresBackend ? describe : describe.skip)('gates check on a PostgreSQL that stops answering once connected', () => {
  it('ends by DATABASE_STALL_TIMEOUT with the reason: the testers gate ⚪, exit 2 (it hung for good, silent, Ctrl-C or not)', async () => {
    const env = await freshDatabaseEnv(postgresBackend!, cwd);
    const url = new URL(env['DATABASE_URL']!);
    // frozen at the monitor store's first look at gate_runs, after the connection's own checks answered
    const relay = await freezableRelay({ host: url.hostname, port: Number(url.port) }, 'gate_runs');
    try {
      url.port = String(relay.port);
      // the whole group is killed past 20 s (the old way never ended: it waited for the server)
      const run = startLaunched(BIN, {
        args: ['gates', 'check'],
        cwd,
        env: childEnv({ CI: 'true', NO_COLOR: '1', DATABASE_URL: url.href, DATABASE_STALL_TIMEOUT: '3', TESTERS_TARGET: '1' }),
        exitDeadlineMs: 20_000,
      });
      const { code } = await run.exited;
      expect(run.output()).toContain('has not answered for 3 s (a stopped server, a hung machine or network)');
      expect(run.output()).toMatch(/Testers signed up: cannot reach the database/);
      expect(code).toBe(2);
      expect(run.output()).not.toContain(url.password || 'no-password-here');
    } finally {
      relay.freeze(false);
      await relay.close();
    }
  }, 60_000);
});

// PostgreSQL only: PGlite has one user, who may do anything.
(postgresBackend ? describe : describe.skip)('a role without the grants the app role needs', () => {
  it('invites report: exit 1, the SQLSTATE and what to grant, not a bare "permission denied"', async () => {
    const env = await freshDatabaseEnv(postgresBackend!, cwd);
    const role = `veza_nogrant_${process.pid}`;
    const conn = await openEnvDatabase(env);
    try {
      await conn.rawTransaction((tx) => tx.exec(`CREATE ROLE ${role} LOGIN PASSWORD 'app-pw'`));
    } finally {
      await conn.close();
    }
    const url = new URL(env['DATABASE_URL']!);
    url.username = role;
    url.password = 'app-pw';
    const run = await runVezaBeta(['invites', 'report'], { cwd, env: { DATABASE_URL: url.toString() } });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /^error 42501: permission denied for table beta_invites — the role in DATABASE_URL lacks a privilege on that object: grant it as the owner \(docs\/OPERATOR_GUIDE\.md, 'Database roles, TLS, poolers'/,
    );
    expect(run.stderr).not.toContain('app-pw');
  });
});

(postgresBackend ? describe : describe.skip)('a lock another session keeps', () => {
  it('invites revoke waits DATABASE_STALL_TIMEOUT for it, then says who may hold it and what to do (exit 1), and revokes nothing', async () => {
    const env = await freshDatabaseEnv(postgresBackend!, cwd);
    const [id] = await preparedFolder(env, join(cwd, 'out'), ['held@example.org']);
    const other = await openEnvDatabase(env);
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    // another session updates the invite and keeps its transaction open (a psql session left in BEGIN)
    const transaction = other.rawTransaction(async (tx) => {
      await tx.query(`UPDATE beta_invites SET name = 'x' WHERE id = $1`, [id]);
      locked();
      await released;
    });
    try {
      await holding;
      const started = Date.now();
      const run = await runVezaBeta(['invites', 'revoke', 'held@example.org'], { cwd, env: { ...env, DATABASE_STALL_TIMEOUT: '2' } });
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain('error 55P03: canceling statement due to lock timeout — another session held the rows or table');
      expect(run.stderr).toContain('run the command again once the other session has ended');
      release();
      await transaction;
      const rows = await other.rawTransaction((tx) =>
        tx.query<{ revoked: boolean }>(`SELECT revoked_at IS NOT NULL AS revoked FROM beta_invites WHERE id = $1`, [id]),
      );
      expect(rows).toEqual([{ revoked: false }]);
    } finally {
      release();
      await transaction.catch(() => undefined);
      await other.close();
    }
  }, 60_000);
});
