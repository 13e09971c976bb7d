import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openDatabase, runMigrations } from '@veza/invites-db';
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
