import { GatesStateError } from './errors.js';
import { GATE_IDS } from './types.js';
import type { GateId, GateResult, GateRun, Verdict } from './types.js';
import { verdictOf } from './verdict.js';

/** What the monitor keeps between runs (JSON-safe, so it can survive a restart). */
export interface EscalationState {
  schemaVersion: 1;
  /** the verdict of the last run, after escalation; null before the first */
  verdict: Verdict | null;
  /** consecutive ⚪ runs per gate */
  unknownStreaks: Record<GateId, number>;
}

export interface EscalationOptions {
  /** consecutive ⚪ runs after which a gate turns 🔴 (default 4 runs) */
  unknownLimit?: number;
}

export interface Escalation {
  state: EscalationState;
  /** the run with escalated gates and the verdict recomputed */
  run: GateRun;
  previousVerdict: Verdict | null;
  /** true on the first run and whenever the verdict differs from the previous one: post to the webhook then only */
  verdictChanged: boolean;
}

export const DEFAULT_UNKNOWN_LIMIT = 4;

export function initialEscalationState(): EscalationState {
  return { schemaVersion: 1, verdict: null, unknownStreaks: Object.fromEntries(GATE_IDS.map((id) => [id, 0])) as Record<GateId, number> };
}

function checkState(state: unknown): EscalationState {
  const s = state as Partial<EscalationState> | null;
  if (!s || typeof s !== 'object' || s.schemaVersion !== 1) throw new GatesStateError('schemaVersion is not 1');
  if (s.verdict !== null && s.verdict !== 'GO' && s.verdict !== 'NO-GO' && s.verdict !== 'INCONCLUSIVE') throw new GatesStateError('verdict is not GO, NO-GO, INCONCLUSIVE or null');
  const streaks = initialEscalationState().unknownStreaks;
  for (const id of GATE_IDS) {
    const n = s.unknownStreaks?.[id] ?? 0;
    if (!Number.isInteger(n) || n < 0) throw new GatesStateError(`unknownStreaks.${id} is not a count`);
    streaks[id] = n;
  }
  return { schemaVersion: 1, verdict: s.verdict ?? null, unknownStreaks: streaks };
}

/**
 * One step of the loop, pure. A gate at ⚪ for `unknownLimit` consecutive runs
 * turns 🔴 with reason 'unknown_too_long' (a probe that never answers must not
 * hold the launch at "inconclusive" forever); a gate that answers (✅ or 🔴)
 * resets its streak. ⚪ not configured never escalates: it is the operator's
 * choice, visible as ⚪, not a failing probe.
 */
export function escalate(previous: EscalationState | null | undefined, run: GateRun, options: EscalationOptions = {}): Escalation {
  const limit = options.unknownLimit ?? DEFAULT_UNKNOWN_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) throw new GatesStateError('unknownLimit must be an integer ≥ 1');
  const prev = previous ? checkState(previous) : initialEscalationState();
  const streaks = { ...prev.unknownStreaks };
  const gates: GateResult[] = run.gates.map((gate) => {
    if (gate.state !== 'unknown' || gate.reason === 'not_configured') {
      streaks[gate.id] = 0;
      return gate;
    }
    streaks[gate.id] = (streaks[gate.id] ?? 0) + 1;
    if (streaks[gate.id]! < limit) return gate;
    return {
      ...gate,
      state: 'fail',
      reason: 'unknown_too_long',
      summary: `⚪ for ${streaks[gate.id]} runs in a row (last: ${gate.reason ?? 'unknown'}: ${gate.summary})`,
      evidence: { ...gate.evidence, details: { ...gate.evidence.details, unknownReason: gate.reason, unknownRuns: streaks[gate.id] } },
    };
  });
  const escalated: GateRun = { ...run, ...verdictOf(gates), gates };
  return {
    state: { schemaVersion: 1, verdict: escalated.verdict, unknownStreaks: streaks },
    run: escalated,
    previousVerdict: prev.verdict,
    verdictChanged: prev.verdict !== escalated.verdict,
  };
}
