import { sql } from 'drizzle-orm';
import {
  announceGateVerdictOnce,
  hasGateRunsTable,
  latestGateRun,
  listGateRuns,
  openDatabase,
  recordGateRun,
  runMigrations,
} from '../src/index.js';
import type { Connection } from '../src/index.js';
import type { GateRunLike } from '../src/queries/gate-runs.js';
import { openTestDatabase, testBackends } from '../src/testing.js';
import { rows } from './query-rows.js';

interface Run extends GateRunLike {
  gates: { id: string; state: string; evidence: { value: number | null; details: Record<string, unknown> } }[];
}

const run = (startedAt: string, verdict: Run['verdict'], exitCode: number, value: number | null): Run => ({
  startedAt,
  finishedAt: new Date(Date.parse(startedAt) + 1_500).toISOString(),
  verdict,
  exitCode,
  gates: [
    {
      id: 'testers',
      state: value === null ? 'unknown' : 'pass',
      evidence: { value, details: { note: 'ünïcode ⚪ "quoted"', nested: [1, { a: null }] } },
    },
  ],
});
const state = (verdict: string, streak: number) => ({ schemaVersion: 1, verdict, unknownStreaks: { testers: streak } });

describe.each(testBackends())('gate runs on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
  }, 120_000);
  afterAll(() => conn?.close());

  it('announces a verdict change once among monitors running at once; a failed post is not recorded', async () => {
    const posted: (string | null)[] = [];
    const slowPost = async (previous: string | null) => {
      posted.push(previous);
      await new Promise((resolve) => setTimeout(resolve, 300)); // the other monitor comes meanwhile
      return { ok: true };
    };
    const options = { verdict: 'NO-GO' as const, known: null, by: 'test:1', waitMs: 20_000 };
    const both = await Promise.all([
      announceGateVerdictOnce(conn.db, options, slowPost),
      announceGateVerdictOnce(conn.db, options, slowPost),
    ]);
    expect(posted).toEqual([null]);
    expect(both.map((o) => o.posted).sort()).toEqual([false, true]);
    // a post that failed (the webhook said 500) is not recorded: the next one posts it again, with what was announced
    const failed = await announceGateVerdictOnce(conn.db, { ...options, verdict: 'GO' }, () => Promise.resolve({ ok: false }));
    expect(failed).toMatchObject({ posted: true, previous: 'NO-GO', result: { ok: false } });
    const again = await announceGateVerdictOnce(conn.db, { ...options, verdict: 'GO' }, () => Promise.resolve({ ok: true }));
    expect(again).toMatchObject({ posted: true, previous: 'NO-GO' });
    expect(await announceGateVerdictOnce(conn.db, { ...options, verdict: 'GO' }, slowPost)).toEqual({ posted: false, previous: 'GO' });
  });

  it('has no latest run before the first is stored', async () => {
    expect(await hasGateRunsTable(conn.db)).toBe(true);
    expect(await latestGateRun(conn.db)).toBeNull();
    expect(await listGateRuns(conn.db)).toEqual([]);
  });

  it('stores every run with its evidence and state, and returns them newest first, unchanged', async () => {
    const runs = [
      run('2026-06-12T17:00:00.000Z', 'INCONCLUSIVE', 2, null),
      run('2026-06-12T17:05:00.000Z', 'INCONCLUSIVE', 2, null),
      run('2026-06-12T17:10:00.000Z', 'GO', 0, 57),
    ];
    const ids = [];
    for (const [i, r] of runs.entries())
      ids.push((await recordGateRun(conn.db, { run: r, state: state(r.verdict, i < 2 ? i + 1 : 0) })).id);
    expect(new Set(ids).size).toBe(3);

    const latest = await latestGateRun<Run>(conn.db);
    expect(latest).toMatchObject({ id: ids[2], verdict: 'GO', exitCode: 0, run: runs[2], state: state('GO', 0) });
    expect(latest?.startedAt.toISOString()).toBe('2026-06-12T17:10:00.000Z');
    expect(latest?.finishedAt.toISOString()).toBe('2026-06-12T17:10:01.500Z');
    expect(latest?.createdAt).toBeInstanceOf(Date);

    const listed = await listGateRuns<Run>(conn.db, { limit: 2 });
    expect(listed.map((r) => r.run)).toEqual([runs[2], runs[1]]);
    expect(listed[1]?.state).toEqual(state('INCONCLUSIVE', 2));
    // jsonb, not a JSON string inside jsonb: the database can query the evidence
    const values = await rows<{ v: string | null }>(
      conn,
      sql`SELECT run->'gates'->0->'evidence'->>'value' AS v FROM gate_runs ORDER BY started_at`,
    );
    expect(values.map((r) => r.v)).toEqual([null, null, '57']);
  });

  it('refuses a run that is not a run, and a silly limit', async () => {
    await expect(
      recordGateRun(conn.db, { run: { ...run('2026-06-12T18:00:00Z', 'GO', 0, 1), verdict: 'MAYBE' as never }, state: {} }),
    ).rejects.toMatchObject({ code: 'INVITES_INVALID_INPUT', field: 'run.verdict' });
    await expect(
      recordGateRun(conn.db, { run: { ...run('2026-06-12T18:00:00Z', 'GO', 0, 1), startedAt: 'yesterday' }, state: {} }),
    ).rejects.toMatchObject({ field: 'run.startedAt' });
    await expect(recordGateRun(conn.db, { run: run('2026-06-12T18:00:00Z', 'GO', 0, 1), state: undefined })).rejects.toMatchObject({
      field: 'state',
    });
    await expect(listGateRuns(conn.db, { limit: 0 })).rejects.toMatchObject({ field: 'limit' });
    expect(await listGateRuns(conn.db, { limit: 1_000 })).toHaveLength(3);
  });

  it('filters by who ran them: a source keeps its own runs and those that say nothing', async () => {
    const check = { ...run('2026-06-12T17:20:00.000Z', 'NO-GO', 1, 3), source: 'gates check' };
    await recordGateRun(conn.db, { run: check, state: state('NO-GO', 0) });
    expect((await latestGateRun<Run>(conn.db))?.run).toEqual(check);
    // the newest monitor run is the one of 17:10, which was stored without a source
    expect((await latestGateRun<Run>(conn.db, { source: 'monitor' }))?.run.startedAt).toBe('2026-06-12T17:10:00.000Z');
    expect((await listGateRuns<Run>(conn.db, { source: 'gates check', limit: 10 })).map((r) => r.run.startedAt)).toEqual([
      '2026-06-12T17:20:00.000Z',
      '2026-06-12T17:10:00.000Z',
      '2026-06-12T17:05:00.000Z',
      '2026-06-12T17:00:00.000Z',
    ]);
  });

  it('finds a run by its own startedAt text (a report names its run by it), with or without a source', async () => {
    const report = { ...run('2026-06-12T17:40:00.123Z', 'GO', 0, 4), source: 'decision report' };
    const { id } = await recordGateRun(conn.db, { run: report, state: state('GO', 0) });
    await recordGateRun(conn.db, { run: { ...run('2026-06-12T17:45:00.000Z', 'GO', 0, 4), source: 'decision report' }, state: {} });
    expect((await latestGateRun(conn.db, { source: 'decision report', startedAt: '2026-06-12T17:40:00.123Z' }))?.id).toBe(id);
    expect((await latestGateRun(conn.db, { startedAt: '2026-06-12T17:40:00.123Z' }))?.id).toBe(id);
    // the same instant written another way is another run's name; another source is not this report's
    expect(await latestGateRun(conn.db, { startedAt: '2026-06-12T17:40:00.123+00:00' })).toBeNull();
    expect(await latestGateRun(conn.db, { source: 'gates check', startedAt: '2026-06-12T17:40:00.123Z' })).toBeNull();
  });

  it('the latest run is the one stored last, not one dated in the future by a clock that was ahead', async () => {
    const ahead = await recordGateRun(conn.db, { run: run('2027-06-01T00:00:00.000Z', 'GO', 0, 9), state: state('GO', 0) });
    expect((await latestGateRun<Run>(conn.db))?.id).toBe(ahead.id);
    const after = await recordGateRun(conn.db, {
      run: run('2026-06-12T17:30:00.000Z', 'INCONCLUSIVE', 2, null),
      state: state('INCONCLUSIVE', 1),
    });
    // a monitor resuming its state, preflight's "monitor running" and a decision read this one, not the 2027 one for months
    expect((await latestGateRun<Run>(conn.db))?.id).toBe(after.id);
    expect((await listGateRuns<Run>(conn.db, { limit: 2 })).map((r) => r.id)).toEqual([after.id, ahead.id]);
  });
});

describe('before 991 is applied', () => {
  it('says the table is missing, and storing fails as not migrated', async () => {
    const conn = await openDatabase({ dataDir: 'memory://' });
    try {
      expect(await hasGateRunsTable(conn.db)).toBe(false);
      await expect(latestGateRun(conn.db)).rejects.toMatchObject({ code: 'INVITES_DB_NOT_MIGRATED' });
      await runMigrations(conn);
      expect(await hasGateRunsTable(conn.db)).toBe(true);
    } finally {
      await conn.close();
    }
  }, 60_000);
});
