import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GATE_ANNOUNCE_LOCK_KEY, openDatabase, runMigrations } from '@veza/invites-db';
import { openMonitorStore } from './monitor-store.js';

// The announcement goes through the database so that two monitors post a change once. A database that then
// fails (an outage) must not silence the webhook: the monitor decides on its own memory, as without the table.
describe('the monitor store announces a verdict change', () => {
  let dir: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'veza-announce-'));
    const conn = await openDatabase({ dataDir: join(dir, 'db') });
    try {
      await runMigrations(conn);
    } finally {
      await conn.close();
    }
  }, 60_000);
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('once through the database, and on its own memory when the database fails', async () => {
    const store = await openMonitorStore({ dataDir: join(dir, 'db') }, 5_000);
    const once = store.history?.announceOnce;
    if (!once) throw new Error(`no announcement through the database: ${store.notStoredBecause}`);
    const posts: (string | null)[] = [];
    const post = (previous: string | null) => {
      posts.push(previous);
      return Promise.resolve({ ok: true as const });
    };
    const signal = new AbortController().signal;
    expect(await once('NO-GO', null, post, signal, 5_000)).toEqual({ ok: true, posted: true });
    expect(await once('NO-GO', null, post, signal, 5_000)).toEqual({ ok: true, posted: false }); // another monitor's memory said nothing
    await store.close(); // the database is gone from under the monitor
    expect(await once('GO', 'NO-GO', post, signal, 5_000)).toEqual({ ok: true, posted: true });
    expect(await once('GO', 'GO', post, signal, 5_000)).toEqual({ ok: true, posted: false });
    expect(posts).toEqual([null, 'NO-GO']);
  }, 60_000);
});

// The lock wait ends at the announcement's own lock_timeout (what is left of the run) or at the connection's
// statement_timeout (GATE_TIMEOUT_MS), whichever comes first: the message names the limit that cut it.
const postgresUrl = process.env['TEST_DATABASE_URL'];
(postgresUrl ? describe : describe.skip)('the monitor store waiting for another monitor on PostgreSQL', () => {
  it('names the statement timeout that cut the wait, not the longer lock timeout', async () => {
    const url = postgresUrl ?? '';
    const other = await openDatabase({ databaseUrl: url });
    await runMigrations(other);
    const store = await openMonitorStore({ databaseUrl: url }, 1_000); // GATE_TIMEOUT_MS=1000
    try {
      const once = store.history?.announceOnce;
      if (!once) throw new Error(`no announcement through the database: ${store.notStoredBecause}`);
      let release = () => {};
      const released = new Promise<void>((resolve) => (release = resolve));
      let locked = () => {};
      const held = new Promise<void>((resolve) => (locked = resolve));
      const holder = other.rawTransaction(async (tx) => {
        await tx.query(`SELECT pg_advisory_xact_lock(${GATE_ANNOUNCE_LOCK_KEY}::bigint)`); // another monitor mid-post
        locked();
        await released;
      });
      await held;
      const post = () => Promise.resolve({ ok: true as const });
      const answer = await once('NO-GO', null, post, new AbortController().signal, 8_000).finally(release);
      await holder;
      expect(answer.ok).toBe(false);
      expect(answer.ok ? '' : answer.message).toContain('announcing a verdict for more than 1000 ms');
    } finally {
      await store.close();
      await other.close();
    }
  }, 60_000);
});
