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
    expect(gatesItem(runWith(green))).toMatchObject({ status: 'pass', detail: 'all 6 gates ✅' });
  });

  it('is never green with ⚪: six unconfigured gates are "not checked", naming the variables', () => {
    const item = gatesItem(
      runWith((g) => ({ state: 'unknown', reason: 'not_configured', summary: `not configured (set ${g.id.toUpperCase()}_URL)` })),
    );
    expect(item.status).toBe('skipped');
    expect(item.detail).toContain('0 ✅, 0 🔴, 0 ⚪, 6 not configured');
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
});
