import { Writable } from 'node:stream';
import type { Connection } from '@veza/invites-db';
import type { TestBackend } from '@veza/invites-db/testing';
import { openTestDatabase } from '@veza/invites-db/testing';
import { createInvites, formatCode, redeemInvite, revokeInvites, setInviteExpiry } from '@veza/invites-db';
import type { Config } from '../src/config.js';
import { testConfig } from '../src/config.js';
import { buildServer } from '../src/server.js';
import type { Server } from '../src/server.js';

export interface RunningApi {
  app: Server;
  conn: Connection & { url?: string };
  /** http://127.0.0.1:PORT */
  base: string;
  /** every JSON log line written so far */
  logs: string[];
  close(): Promise<void>;
}

/** The real server, listening on a free local port, on a fresh database of a backend. */
export async function startApi(
  backend: TestBackend,
  overrides: Partial<Config> = {},
  dbOptions: { migrate?: boolean; maxConnections?: number } = {},
  serverOptions: { requestTimeoutMs?: number } = {},
): Promise<RunningApi> {
  const conn = await openTestDatabase(backend, dbOptions);
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(...chunk.toString('utf8').split('\n').filter(Boolean));
      done();
    },
  });
  const app = await buildServer({ config: testConfig({ logLevel: 'info', ...overrides }), conn, logStream, ...serverOptions });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (!address || typeof address === 'string') throw new Error('no TCP address');
  return {
    app,
    conn,
    base: `http://127.0.0.1:${address.port}`,
    logs,
    close: async () => {
      await app.close();
      await conn.close();
    },
  };
}

/** Invites in each state: { valid, used, expired, revoked } codes (formatted), plus the emails. */
export async function seedInvites(conn: Connection): Promise<Record<'valid' | 'used' | 'expired' | 'revoked' | 'spare', string>> {
  const rows = ['valid', 'used', 'expired', 'revoked', 'spare'].map((state) => ({
    email: `${state}.person@example.org`,
    cohort: 'creators-2026',
  }));
  const outcomes = await createInvites(conn.db, rows);
  const codes: Record<string, string> = {};
  const ids: Record<string, string> = {};
  outcomes.forEach((outcome, i) => {
    if (outcome.status !== 'created') throw new Error(`seed failed: ${outcome.status}`);
    const state = ['valid', 'used', 'expired', 'revoked', 'spare'][i] as string;
    codes[state] = formatCode(outcome.code);
    ids[state] = outcome.id;
  });
  await redeemInvite(conn.db, codes['used'] as string);
  await setInviteExpiry(conn.db, ids['expired'] as string, new Date(Date.now() - 60_000));
  await revokeInvites(conn.db, { code: codes['revoked'] as string });
  return codes;
}

/**
 * Rate-limit windows on PostgreSQL are whole clock minutes: start a burst well
 * inside one, so that a test's few requests cannot straddle two windows.
 */
export async function awayFromMinuteEnd(): Promise<void> {
  const left = 60_000 - (Date.now() % 60_000);
  if (left < 10_000) await new Promise((resolve) => setTimeout(resolve, left + 200));
}
