import { expect } from '@jest/globals';
import { escalate, initialEscalationState, verdictOf } from './index.js';
import { GatesStateError } from './errors.js';
import type { EscalationState, GateResult, GateRun } from './index.js';
import { sampleGateRun } from './testing.js';

/** The sample run with the states given per gate (pass/fail/unknown), reasons as in the sample. */
function runWith(states: Partial<Record<GateResult['id'], GateResult['state']>>, atMinute = 0): GateRun {
  const base = { ...sampleGateRun(), startedAt: new Date(Date.UTC(2026, 5, 12, 17, 0) + atMinute * 60_000).toISOString() };
  const gates = base.gates.map((g) => {
    const state = states[g.id] ?? 'pass';
    return { ...g, state, reason: state === 'unknown' ? (g.reason && g.reason !== 'unknown_too_long' ? g.reason : 'timeout') : null };
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

const MIN = 60_000;

/** Plays runs at the given minutes; returns each step. */
function play(
  runs: [Partial<Record<GateResult['id'], GateResult['state']>>, number][],
  unknownMaxMs?: number,
  start: EscalationState | null = null,
) {
  let state = start;
  return runs.map(([states, at]) => {
    const step = escalate(state, runWith(states, at), unknownMaxMs === undefined ? {} : { unknownMaxMs });
    state = step.state;
    return step;
  });
}

describe('escalate: time, not a count of runs', () => {
  it('turns a gate ⚪ for longer than 20 min (the default) into 🔴 unknown_too_long, and says the verdict changed once', () => {
    const steps = play([0, 5, 10, 15, 20, 21, 25].map((at) => [{ synthetic: 'unknown' }, at]));
    expect(steps.map((s) => [s.run.verdict, s.verdictChanged])).toEqual([
      ['INCONCLUSIVE', true],
      ['INCONCLUSIVE', false],
      ['INCONCLUSIVE', false],
      ['INCONCLUSIVE', false],
      ['INCONCLUSIVE', false], // exactly 20 min: not yet longer
      ['NO-GO', true],
      ['NO-GO', false],
    ]);
    const last = steps.at(-1)!.run.gates.find((g) => g.id === 'synthetic')!;
    expect(last).toMatchObject({
      state: 'fail',
      reason: 'unknown_too_long',
      evidence: { details: { unknownReason: 'no_data', unknownSince: '2026-06-12T17:00:00.000Z', unknownMs: 25 * MIN } },
    });
    expect(last.summary).toMatch(/^⚪ for 25 min since 2026-06-12T17:00:00.000Z \(more than 20 min; last: no_data: no series for /);
  });

  it('never escalates many quick runs (four one-off checks within seconds)', () => {
    const steps = play([0, 0.05, 0.1, 0.15, 0.2, 0.3, 0.5, 1].map((at) => [{ testers: 'unknown', sentry: 'unknown' }, at]));
    expect(steps.map((s) => s.run.verdict)).toEqual(Array(8).fill('INCONCLUSIVE'));
  });

  it('escalates two runs far apart (cron every 30 min) on the second', () => {
    expect(
      play([
        [{ k6: 'unknown' }, 0],
        [{ k6: 'unknown' }, 30],
      ]).map((s) => s.run.verdict),
    ).toEqual(['INCONCLUSIVE', 'NO-GO']);
  });

  it('uses the duration it is given', () => {
    expect(
      play(
        [
          [{ k6: 'unknown' }, 0],
          [{ k6: 'unknown' }, 2],
          [{ k6: 'unknown' }, 3],
        ],
        2.5 * MIN,
      ).map((s) => s.run.verdict),
    ).toEqual(['INCONCLUSIVE', 'INCONCLUSIVE', 'NO-GO']);
  });

  it('stops the clock on ✅ and on 🔴 (the probe answered), and starts it again from the next ⚪', () => {
    const steps = play([
      [{ sentry: 'unknown' }, 0],
      [{ sentry: 'unknown' }, 25],
      [{}, 26],
      [{ sentry: 'unknown' }, 27],
      [{ k6: 'unknown' }, 28],
      [{ k6: 'fail' }, 29],
      [{ k6: 'unknown' }, 40],
    ]);
    expect(steps.map((s) => s.run.verdict)).toEqual([
      'INCONCLUSIVE',
      'NO-GO',
      'GO',
      'INCONCLUSIVE',
      'INCONCLUSIVE',
      'NO-GO',
      'INCONCLUSIVE',
    ]);
    expect(steps[2]).toMatchObject({ previousVerdict: 'NO-GO', verdictChanged: true, state: { unknownSince: { sentry: null } } });
    expect(steps.at(-1)!.state.unknownSince).toMatchObject({ k6: '2026-06-12T17:40:00.000Z', sentry: null });
  });

  it('never escalates a gate that is not configured', () => {
    let state: EscalationState | null = null;
    let step;
    for (let i = 0; i < 6; i++) {
      const run = runWith({ k6: 'unknown' }, i * 60);
      run.gates = run.gates.map((g) => (g.id === 'k6' ? { ...g, reason: 'not_configured' } : g));
      state = (step = escalate(state, run)).state;
    }
    expect(step?.run.verdict).toBe('INCONCLUSIVE');
    expect(state?.unknownSince.k6).toBeNull();
  });

  it('does not change the run it was given (pure)', () => {
    const run = runWith({ testers: 'unknown' }, 60);
    const copy = structuredClone(run);
    const step = escalate(
      { ...initialEscalationState(), unknownSince: { ...initialEscalationState().unknownSince, testers: '2026-06-12T16:00:00.000Z' } },
      run,
    );
    expect(step.run.gates[0]?.state).toBe('fail');
    expect(run).toEqual(copy);
  });

  it('reads a state that went through JSON, restarts a clock set in the future, and refuses a foreign one', () => {
    const state = JSON.parse(JSON.stringify(escalate(null, runWith({ sentry: 'unknown' }, 0)).state)) as EscalationState;
    expect(escalate(state, runWith({ sentry: 'unknown' }, 21)).run.verdict).toBe('NO-GO');
    const future = { ...state, unknownSince: { ...state.unknownSince, sentry: '2030-01-01T00:00:00.000Z' } };
    expect(escalate(future, runWith({ sentry: 'unknown' }, 21)).state.unknownSince.sentry).toBe('2026-06-12T17:21:00.000Z');
    expect(() => escalate({ schemaVersion: 3 } as unknown as EscalationState, runWith({}))).toThrow(GatesStateError);
    expect(() => escalate({ ...state, unknownSince: { ...state.unknownSince, sentry: 'yesterday' } }, runWith({}))).toThrow(
      'unknownSince.sentry is not an ISO time or null',
    );
    expect(() => escalate(null, runWith({}), { unknownMaxMs: 0 })).toThrow(expect.objectContaining({ code: 'GATES_STATE_INVALID' }));
  });

  it('reads a state of version 1 (counts of runs): keeps its verdict, starts the clocks again', () => {
    const v1 = { schemaVersion: 1, verdict: 'NO-GO', unknownStreaks: { sentry: 7 } } as unknown as EscalationState;
    const step = escalate(v1, runWith({ sentry: 'unknown' }, 0));
    expect(step).toMatchObject({
      previousVerdict: 'NO-GO',
      verdictChanged: true,
      run: { verdict: 'INCONCLUSIVE' },
      state: { schemaVersion: 2, unknownSince: { sentry: '2026-06-12T17:00:00.000Z' } },
    });
  });
});
