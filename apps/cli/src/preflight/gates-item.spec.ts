import { expect } from '@jest/globals';
import { sampleGateRun } from '@veza/gate-probes/testing';
import type { GateResult, GateRun } from '@veza/gate-probes';
import { gatesItem } from './gates-item.js';

function runWith(change: (gate: GateResult, index: number) => Partial<GateResult>): GateRun {
  const run = sampleGateRun();
  return { ...run, gates: run.gates.map((g, i) => ({ ...g, ...change(g, i) })) };
}
const green = (): Partial<GateResult> => ({ state: 'pass', reason: null, summary: 'ok' });

describe('the preflight gates item', () => {
  it('is green only when every gate answered ✅', () => {
    expect(gatesItem(runWith(green))).toMatchObject({ status: 'pass', detail: 'all 6 gates ✅ pass' });
  });

  it('is never green with ⚪: six unconfigured gates are "not checked", naming the variables', () => {
    const item = gatesItem(
      runWith((g) => ({ state: 'unknown', reason: 'not_configured', summary: `not configured (set ${g.id.toUpperCase()}_URL)` })),
    );
    expect(item.status).toBe('skipped');
    expect(item.detail).toContain('0 ✅ pass, 0 🔴 FAIL, 0 ⚪ unknown, 6 not configured');
    expect(item.detail).toContain('not configured (set SENTRY_URL)');
  });

  it('a configured gate that could not answer makes it ⚪, and a 🔴 fails it', () => {
    const unknown = gatesItem(
      runWith((g, i) => (i === 0 ? { state: 'unknown', reason: 'timeout', summary: 'no answer within 10000 ms' } : green())),
    );
    expect(unknown).toMatchObject({ status: 'unknown', detail: expect.stringContaining('timeout, no answer within 10000 ms') });
    const red = gatesItem(
      runWith((g, i) =>
        i === 1 ? { state: 'fail', reason: null, summary: '3 issues' } : { state: 'unknown', reason: 'timeout', summary: 'slow' },
      ),
    );
    expect(red).toMatchObject({ status: 'fail', detail: expect.stringContaining('3 issues') });
  });

  it('says each status in a word beside its icon (a screen reader reads ⚪ as "white circle")', () => {
    const mixed = gatesItem(
      runWith((g, i) =>
        i === 0
          ? { state: 'fail', reason: null, summary: '3 issues' }
          : i === 1
            ? { state: 'unknown', reason: 'timeout', summary: 'slow' }
            : i === 2
              ? { state: 'unknown', reason: 'not_configured', summary: 'not configured' }
              : green(),
      ),
    );
    const [first, second] = sampleGateRun().gates;
    expect(mixed.detail).toBe(`3 ✅ pass, 1 🔴 FAIL, 1 ⚪ unknown, 1 not configured: 🔴 FAIL ${first!.title}: 3 issues`);
    const silent = gatesItem(runWith((g, i) => (i === 1 ? { state: 'unknown', reason: 'timeout', summary: 'slow' } : green())));
    expect(silent.detail).toBe(`5 ✅ pass, 0 🔴 FAIL, 1 ⚪ unknown, 0 not configured: ⚪ unknown ${second!.title}: timeout, slow`);
    expect(mixed.title).toBe('Acceptance gates: every configured gate ✅ pass');
  });

  it('before the send (T-72h, last hour), the testers gate has to answer, not to reach its target; after it, it counts', () => {
    const none = runWith((g) => (g.id === 'testers' ? { state: 'fail', reason: null, summary: '0 / ≥ 30' } : green()));
    expect(gatesItem(none, { beforeSend: true })).toMatchObject({
      status: 'pass',
      detail: '5 gates ✅ pass, Testers signed up answered 0 / ≥ 30 (its target applies from the send on)',
    });
    expect(gatesItem(none)).toMatchObject({ status: 'fail' });
    // another gate's 🔴, or a testers gate that could not answer, still count before the send
    const sentry = runWith((g) =>
      g.id === 'testers'
        ? { state: 'fail', reason: null, summary: '0 / ≥ 30' }
        : g.id === 'sentry'
          ? { state: 'fail', reason: null, summary: '3' }
          : green(),
    );
    expect(gatesItem(sentry, { beforeSend: true })).toMatchObject({ status: 'fail' });
    const silent = runWith((g) => (g.id === 'testers' ? { state: 'unknown', reason: 'unavailable', summary: 'no database' } : green()));
    expect(gatesItem(silent, { beforeSend: true })).toMatchObject({ status: 'unknown' });
  });
});
