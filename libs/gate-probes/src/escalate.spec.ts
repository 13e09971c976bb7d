import { escalate, GatesStateError, initialEscalationState, verdictOf } from './index.js';
import type { EscalationState, GateResult, GateRun } from './index.js';
import { sampleGateRun } from './testing.js';

/** The sample run with the states given per gate (pass/fail/unknown), reasons as in the sample. */
function runWith(states: Partial<Record<GateResult['id'], GateResult['state']>>): GateRun {
  const base = sampleGateRun();
  const gates = base.gates.map((g) => {
    const state = states[g.id] ?? 'pass';
    return { ...g, state, reason: state === 'unknown' ? (g.reason && g.reason !== 'unknown_too_long' ? g.reason : 'timeout') : null } as GateResult;
  });
  return { ...base, ...verdictOf(gates), gates };
}

describe('verdictOf', () => {
  it.each([
    [['pass', 'pass'], 'GO', 0],
    [['pass', 'unknown'], 'INCONCLUSIVE', 2],
    [['unknown', 'fail'], 'NO-GO', 1],
    [[], 'INCONCLUSIVE', 2],
  ] as const)('%j → %s (exit %d)', (states, verdict, exitCode) => {
    expect(verdictOf(states.map((state) => ({ state })))).toEqual({ verdict, exitCode });
  });
});

describe('escalate', () => {
  it('turns a gate ⚪ for 4 runs in a row into 🔴 unknown_too_long, and says the verdict changed once', () => {
    let state: EscalationState | null = null;
    const seen: { verdict: string; changed: boolean }[] = [];
    for (let i = 0; i < 5; i++) {
      const step = escalate(state, runWith({ synthetic: 'unknown' }));
      state = step.state;
      seen.push({ verdict: step.run.verdict, changed: step.verdictChanged });
    }
    expect(seen).toEqual([
      { verdict: 'INCONCLUSIVE', changed: true },
      { verdict: 'INCONCLUSIVE', changed: false },
      { verdict: 'INCONCLUSIVE', changed: false },
      { verdict: 'NO-GO', changed: true },
      { verdict: 'NO-GO', changed: false },
    ]);
    const last = escalate(state, runWith({ synthetic: 'unknown' })).run.gates.find((g) => g.id === 'synthetic')!;
    expect(last).toMatchObject({ state: 'fail', reason: 'unknown_too_long', evidence: { details: { unknownReason: 'no_data', unknownRuns: 6 } } });
    expect(last.summary).toMatch(/^⚪ for 6 runs in a row \(last: no_data: no series for /);
  });

  it('resets the streak on ✅ and returns to GO', () => {
    let state = escalate(null, runWith({ sentry: 'unknown' }), { unknownLimit: 2 }).state;
    state = escalate(state, runWith({ sentry: 'unknown' }), { unknownLimit: 2 }).state;
    expect(state).toMatchObject({ verdict: 'NO-GO', unknownStreaks: { sentry: 2 } });
    const back = escalate(state, runWith({}), { unknownLimit: 2 });
    expect(back).toMatchObject({ previousVerdict: 'NO-GO', verdictChanged: true, state: { verdict: 'GO', unknownStreaks: { sentry: 0 } } });
    const again = escalate(back.state, runWith({ sentry: 'unknown' }), { unknownLimit: 2 });
    expect(again.run.verdict).toBe('INCONCLUSIVE');
  });

  it('also resets on 🔴: the probe answered', () => {
    let state = escalate(null, runWith({ k6: 'unknown' })).state;
    state = escalate(state, runWith({ k6: 'fail' })).state;
    expect(state.unknownStreaks.k6).toBe(0);
  });

  it('never escalates a gate that is not configured', () => {
    let state: EscalationState | null = null;
    let step;
    const run = runWith({ k6: 'unknown' });
    run.gates = run.gates.map((g) => (g.id === 'k6' ? { ...g, reason: 'not_configured' } : g));
    for (let i = 0; i < 6; i++) state = (step = escalate(state, run, { unknownLimit: 2 })).state;
    expect(step?.run.verdict).toBe('INCONCLUSIVE');
    expect(state?.unknownStreaks.k6).toBe(0);
  });

  it('does not change the run it was given (pure)', () => {
    const run = runWith({ testers: 'unknown' });
    const copy = structuredClone(run);
    escalate({ ...initialEscalationState(), unknownStreaks: { ...initialEscalationState().unknownStreaks, testers: 9 } }, run);
    expect(run).toEqual(copy);
  });

  it('reads a state that went through JSON, and refuses a foreign one', () => {
    const state = JSON.parse(JSON.stringify(escalate(null, runWith({ sentry: 'unknown' })).state)) as EscalationState;
    expect(escalate(state, runWith({ sentry: 'unknown' })).state.unknownStreaks.sentry).toBe(2);
    expect(() => escalate({ schemaVersion: 2 } as unknown as EscalationState, runWith({}))).toThrow(GatesStateError);
    expect(() => escalate({ ...state, unknownStreaks: { ...state.unknownStreaks, sentry: -1 } }, runWith({}))).toThrow('unknownStreaks.sentry is not a count');
    expect(() => escalate(null, runWith({}), { unknownLimit: 0 })).toThrow(expect.objectContaining({ code: 'GATES_STATE_INVALID' }));
  });
});
