/**
 * A database that is up but too busy to answer a request is "unavailable"
 * (503 with Retry-After, the signup page says to try again), not a bug of
 * the API (500 INTERNAL): a row locked by another session past the
 * statement_timeout (57014), a role's CONNECTION LIMIT reached while the
 * pool opens one more connection (53300, as max_connections reached), and a
 * session that may not write (25006: a hot standby, read-only by default).
 */
import { randomBytes } from 'node:crypto';
import { createInvites, formatCode, openDatabase } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import postgresJs from 'postgres';
import { testConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import type { Server } from '../src/server.js';

const postgres = testBackends().find((b) => b.name === 'postgres');

async function listen(conn: Connection): Promise<{ app: Server; base: string }> {
  const app = await buildServer({ config: testConfig({ rateLimitPerMinute: 10_000 }), conn, rateLimitStore: 'memory' });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return { app, base: `http://127.0.0.1:${address.port}` };
}

(postgres ? describe : describe.skip)('a busy PostgreSQL is answered 503, not 500', () => {
  let url: string;
  let admin: postgresJs.Sql;
  beforeAll(async () => {
    url = (await postgres!.create({ migrated: true })).url!;
    admin = postgresJs(url, { max: 2, onnotice: () => undefined });
  }, 60_000);
  afterAll(async () => admin?.end());

  it('a redeem waiting on a row another session locks, cut by statement_timeout (57014): 503, and the invite is not used', async () => {
    const conn = await openDatabase({ databaseUrl: url, statementTimeoutMs: 500 });
    const { app, base } = await listen(conn);
    try {
      const [created] = await createInvites(conn.db, [{ email: 'locked.row@example.org', cohort: 'creators-a' }]);
      if (created?.status !== 'created') throw new Error('seed failed');
      const answer = await admin.begin(async (tx) => {
        await tx`SELECT id FROM beta_invites WHERE id = ${created.id} FOR UPDATE`;
        return fetch(`${base}/v1/invites/redeem`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ code: formatCode(created.code) }),
        });
      });
      expect(answer.status).toBe(503);
      expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('DATABASE_UNAVAILABLE');
      expect(answer.headers.get('retry-after')).toBeTruthy();
      const [row] = await admin`SELECT used_at FROM beta_invites WHERE id = ${created.id}`;
      expect(row?.['used_at']).toBeNull();
    } finally {
      await app.close();
      await conn.close();
    }
  }, 30_000);

  it('a read-only session (a hot standby after a failover, default_transaction_read_only): the redeem is 503, not 500, and the lookup still answers', async () => {
    const writer = await openDatabase({ databaseUrl: url });
    const [created] = await createInvites(writer.db, [{ email: 'read.only@example.org', cohort: 'creators-a' }]);
    await writer.close();
    if (created?.status !== 'created') throw new Error('seed failed');
    // as on a standby: every statement that writes fails with 25006; before, the redeem answered 500 INTERNAL
    const readOnly = new URL(url);
    readOnly.searchParams.set('options', '-c default_transaction_read_only=on');
    const conn = await openDatabase({ databaseUrl: readOnly.toString() });
    const { app, base } = await listen(conn);
    try {
      const code = formatCode(created.code);
      const answer = await fetch(`${base}/v1/invites/redeem`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ code }),
      });
      expect([answer.status, ((await answer.json()) as { error: { code: string } }).error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
      expect(answer.headers.get('retry-after')).toBeTruthy();
      expect((await fetch(`${base}/v1/invites/${code}`)).status).toBe(200);
      const [row] = await admin`SELECT used_at FROM beta_invites WHERE id = ${created.id}`;
      expect(row?.['used_at']).toBeNull();
    } finally {
      await app.close();
      await conn.close();
    }
  }, 30_000);

  it("a role's CONNECTION LIMIT reached while the pool grows (53300): 503 for the requests that got no connection", async () => {
    const role = `veza_limited_${randomBytes(4).toString('hex')}`;
    await admin.unsafe(`CREATE ROLE ${role} LOGIN PASSWORD 'limited-pw' CONNECTION LIMIT 1`);
    await admin.unsafe(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${role}`);
    const roleUrl = new URL(url);
    roleUrl.username = role;
    roleUrl.password = 'limited-pw';
    const conn = await openDatabase({ databaseUrl: roleUrl.toString(), maxConnections: 10 });
    const { app, base } = await listen(conn);
    try {
      const statuses = await Promise.all(
        Array.from({ length: 20 }, async () => (await fetch(`${base}/v1/invites/ABCD-EFGH-JKMN-PQRS`)).status),
      );
      expect(statuses).toContain(503);
      expect(statuses.filter((s) => s !== 404 && s !== 503)).toEqual([]);
    } finally {
      await app.close();
      await conn.close();
      await admin.unsafe(`DROP OWNED BY ${role}`);
      await admin.unsafe(`DROP ROLE ${role}`);
    }
  }, 30_000);
});
