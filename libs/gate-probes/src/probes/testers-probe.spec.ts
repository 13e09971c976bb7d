import { createInvites, redeemInvite } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { testersProbe } from '../index.js';
import { testersSource } from './testers-probe.js';

describe.each(testBackends())('testersProbe on $name', (backend) => {
  let conn: Connection;
  beforeAll(async () => {
    conn = await openTestDatabase(backend);
    const outcomes = await createInvites(conn.db, [
      { email: 'ana@example.org', cohort: 'creators' },
      { email: 'bob@example.org', cohort: 'creators' },
      { email: 'cleo@example.org', cohort: 'listeners' },
      { email: 'dan@example.org', cohort: 'listeners' },
    ]);
    for (const outcome of outcomes.slice(0, 3)) {
      if (outcome.status !== 'created') throw new Error('expected created invites');
      await redeemInvite(conn.db, outcome.code);
    }
  }, 120_000);
  afterAll(() => conn?.close());

  it('passes when the redeemed invites reach the target, from a Connection', async () => {
    const result = await testersProbe({ target: 3, cohort: null }, conn);
    expect(result).toMatchObject({
      state: 'pass',
      evidence: { value: 3, threshold: '≥ 3', source: conn.target, httpStatus: null, attempts: 0 },
    });
  });

  it('says one tester in the singular (the demo printed "1 testers signed up")', async () => {
    expect(await testersProbe({ target: 1, cohort: 'listeners' }, testersSource(conn))).toMatchObject({
      state: 'pass',
      summary: '1 tester signed up in cohort listeners (target 1)',
    });
    expect((await testersProbe({ target: 3, cohort: null }, conn)).summary).toBe('3 testers signed up (target 3)');
  });

  it('fails below the target, counting one cohort only', async () => {
    const result = await testersProbe({ target: 2, cohort: 'listeners' }, testersSource(conn));
    expect(result).toMatchObject({ state: 'fail', evidence: { value: 1 }, summary: '1 of 2 testers signed up in cohort listeners' });
  });

  it('says so when TESTERS_COHORT names a label no invite has (a typo, another case): "0 testers" was read as nobody signing up', async () => {
    // 2 of the creators signed up; the gate asked for "Creators" said 0 of 2, a NO-GO that read as a fact
    for (const source of [conn, testersSource(conn)]) {
      const result = await testersProbe({ target: 2, cohort: 'Creators' }, source);
      expect(result).toMatchObject({ state: 'fail', evidence: { value: 0 } });
      expect(result.summary).toBe(
        '0 of 2 testers signed up in cohort Creators: no invite has this cohort label (labels are case-sensitive; veza-beta invites report lists them)',
      );
    }
    // a cohort with invites and no redemption yet is a plain 0
    expect((await testersProbe({ target: 1, cohort: 'nobody-yet' }, conn)).summary).toContain('no invite has this cohort label');
    await createInvites(conn.db, [{ email: 'eve@example.org', cohort: 'nobody-yet' }]);
    expect((await testersProbe({ target: 1, cohort: 'nobody-yet' }, conn)).summary).toBe('0 of 1 testers signed up in cohort nobody-yet');
  });

  it('is ⚪ config when the table is missing', async () => {
    const bare = await openTestDatabase(backend, { migrate: false });
    try {
      const result = await testersProbe({ target: 1, cohort: null }, bare);
      expect(result).toMatchObject({ state: 'unknown', reason: 'config' });
      expect(result.summary).toContain('veza-beta db migrate');
    } finally {
      await bare.close();
    }
  }, 120_000);
});

describe('testersProbe with a function', () => {
  it('is ⚪ config without a source', async () => {
    expect(await testersProbe({ target: 1, cohort: null }, undefined)).toMatchObject({ state: 'unknown', reason: 'config' });
  });

  it('is ⚪ timeout when the count does not come back within the budget', async () => {
    const slow = { countRedeemed: () => new Promise<number>((resolve) => setTimeout(() => resolve(9), 2_000).unref()) };
    const result = await testersProbe({ target: 1, cohort: null }, slow, { timeoutMs: 150 });
    expect(result).toMatchObject({ state: 'unknown', reason: 'timeout' });
    expect(result.evidence.latencyMs).toBeLessThan(1_000);
  });

  it('a zero of TESTERS_COHORT stays 🔴 when the label hint fails or hangs (the hint never turns it ⚪)', async () => {
    const config = { target: 2, cohort: 'paris' };
    const failing = { countRedeemed: () => Promise.resolve(0), cohortHasInvites: () => Promise.reject(new Error('connection lost')) };
    expect(await testersProbe(config, failing)).toMatchObject({ state: 'fail', summary: '0 of 2 testers signed up in cohort paris' });
    const hanging = { countRedeemed: () => Promise.resolve(0), cohortHasInvites: () => new Promise<boolean>(() => undefined) };
    const result = await testersProbe(config, hanging, { timeoutMs: 300 });
    expect(result).toMatchObject({ state: 'fail', summary: '0 of 2 testers signed up in cohort paris' });
    const unknown = { countRedeemed: () => Promise.resolve(0), cohortHasInvites: () => Promise.resolve(false) };
    expect((await testersProbe(config, unknown)).summary).toContain('no invite has this cohort label');
  });

  it('maps a statement timeout (SQLSTATE 57014) to ⚪ timeout and an unreachable database to ⚪ unavailable', async () => {
    const cancelled = Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' });
    expect(await testersProbe({ target: 1, cohort: null }, { countRedeemed: () => Promise.reject(cancelled) })).toMatchObject({
      state: 'unknown',
      reason: 'timeout',
    });
    const down = Object.assign(new Error('cannot reach the database at embedded database /srv/veza/db: EACCES — run it as veza'), {
      code: 'INVITES_DB_UNREACHABLE',
    });
    // the reason names the folder and what to do (it said only "the database did not answer")
    expect(await testersProbe({ target: 1, cohort: null }, { countRedeemed: () => Promise.reject(down) })).toMatchObject({
      state: 'unknown',
      reason: 'unavailable',
      summary: 'cannot reach the database at embedded database /srv/veza/db: EACCES — run it as veza',
    });
  });

  it('never shows a database password from an error message', async () => {
    const leaky = { countRedeemed: () => Promise.reject(new Error('connect failed for postgres://veza:hunter2@db:5432/veza')) };
    const result = await testersProbe({ target: 1, cohort: null }, leaky);
    expect(result.summary).toBe('probe error: connect failed for postgres://veza:***@db:5432/veza');
    const named = await testersProbe(
      { target: 1, cohort: null },
      { countRedeemed: () => Promise.resolve(1), target: 'postgres://veza:hunter2@db:5432/veza' },
    );
    expect(named.evidence.source).toBe('postgres://veza:***@db:5432/veza');
  });
});
