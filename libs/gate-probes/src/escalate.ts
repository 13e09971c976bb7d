import { GatesStateError } from './errors.js';
import { GATE_IDS } from './types.js';
import type { GateId, GateResult, GateRun, Verdict } from './types.js';
import { verdictOf } from './verdict.js';

/** What the monitor keeps between runs (JSON-safe, stored in gate_runs so it survives a restart or the next cron run). */
export interface EscalationState {
  schemaVersion: 2;
  /** the verdict of the last run, after escalation; null before the first */
  verdict: Verdict | null;
  /** per gate, the start (ISO) of the first run of its current ⚪ streak; null when it last answered */
  unknownSince: Record<GateId, string | null>;
  /**
   * the verdict last announced by a webhook (null: none yet). A run with no
   * webhook (a one-off `gates check`) carries it on unchanged, so that the
   * monitor's webhook still announces a verdict nobody posted. Absent in
   * states stored before it existed: their `verdict` stands for it.
   */
  announced?: Verdict | null;
}

export interface EscalationOptions {
  /** how long a gate may stay ⚪ before it turns 🔴, in milliseconds (default 20 min: 4 × the default CHECK_INTERVAL) */
  unknownMaxMs?: number;
}

export interface Escalation {
  state: EscalationState;
  /** the run with escalated gates and the verdict recomputed */
  run: GateRun;
  previousVerdict: Verdict | null;
  /** true on the first run and whenever the verdict differs from the previous one: post to the webhook then only */
  verdictChanged: boolean;
}

/** 4 × the default CHECK_INTERVAL of 300 s: 20 minutes, in milliseconds. */
export const DEFAULT_UNKNOWN_MAX_MS = 20 * 60_000;

export function initialEscalationState(): EscalationState {
  return {
    schemaVersion: 2,
    verdict: null,
    unknownSince: Object.fromEntries(GATE_IDS.map((id) => [id, null])) as Record<GateId, string | null>,
  };
}

function checkVerdict(verdict: unknown): Verdict | null {
  if (verdict === undefined || verdict === null) return null;
  if (verdict !== 'GO' && verdict !== 'NO-GO' && verdict !== 'INCONCLUSIVE')
    throw new GatesStateError('verdict is not GO, NO-GO, INCONCLUSIVE or null');
  return verdict;
}

/**
 * A stored state, checked. Version 1 counted ⚪ runs, which says nothing about
 * time: its verdict is kept (no repeated announcement) and the ⚪ clocks start
 * again from the next run.
 */
function checkState(state: unknown): EscalationState {
  const s = state as { schemaVersion?: unknown; verdict?: unknown; unknownSince?: Record<string, unknown> } | null;
  if (!s || typeof s !== 'object' || (s.schemaVersion !== 1 && s.schemaVersion !== 2))
    throw new GatesStateError('schemaVersion is not 1 or 2');
  const fresh = initialEscalationState();
  fresh.verdict = checkVerdict(s.verdict);
  if (s.schemaVersion === 1) return fresh;
  for (const id of GATE_IDS) {
    const since = s.unknownSince?.[id] ?? null;
    if (since !== null && (typeof since !== 'string' || Number.isNaN(Date.parse(since))))
      throw new GatesStateError(`unknownSince.${id} is not an ISO time or null`);
    fresh.unknownSince[id] = since;
  }
  return fresh;
}

function minutes(ms: number): string {
  const m = ms / 60_000;
  return m >= 1 ? `${Math.round(m)} min` : `${Math.round(ms / 1_000)} s`;
}

/**
 * One step of the loop, pure, on the runs' own clock (`startedAt`). A gate
 * that has been ⚪ for longer than `unknownMaxMs` — from the start of the
 * first ⚪ run of its streak to the start of this one — turns 🔴 with reason
 * 'unknown_too_long' (a probe that never answers must not hold the launch at
 * "inconclusive" forever). Time, not a count of runs: a few quick one-off
 * checks never escalate, and a loop and cron escalate alike. A gate that
 * answers (✅ or 🔴) stops its clock; ⚪ not configured never escalates: it
 * is the operator's choice, visible as ⚪, not a failing probe.
 */
export function escalate(previous: EscalationState | null | undefined, run: GateRun, options: EscalationOptions = {}): Escalation {
  const maxMs = options.unknownMaxMs ?? DEFAULT_UNKNOWN_MAX_MS;
  if (!(Number.isFinite(maxMs) && maxMs > 0)) throw new GatesStateError('unknownMaxMs must be a duration > 0');
  const now = Date.parse(run.startedAt);
  if (Number.isNaN(now)) throw new GatesStateError('the run has no startedAt time');
  const prev = previous ? checkState(previous) : initialEscalationState();
  const since = { ...prev.unknownSince };
  const gates: GateResult[] = run.gates.map((gate) => {
    if (gate.state !== 'unknown' || gate.reason === 'not_configured') {
      since[gate.id] = null;
      return gate;
    }
    // A clock in the future (a stored state from a skewed host) restarts now rather than never escalating.
    const start = since[gate.id] !== null && Date.parse(since[gate.id]!) <= now ? since[gate.id]! : run.startedAt;
    since[gate.id] = start;
    const unknownMs = now - Date.parse(start);
    if (unknownMs <= maxMs) return gate;
    return {
      ...gate,
      state: 'fail',
      reason: 'unknown_too_long',
      summary: `⚪ for ${minutes(unknownMs)} since ${start} (more than ${minutes(maxMs)}; last: ${gate.reason ?? 'unknown'}: ${gate.summary})`,
      evidence: { ...gate.evidence, details: { ...gate.evidence.details, unknownReason: gate.reason, unknownSince: start, unknownMs } },
    };
  });
  const escalated: GateRun = { ...run, ...verdictOf(gates), gates };
  return {
    state: { schemaVersion: 2, verdict: escalated.verdict, unknownSince: since },
    run: escalated,
    previousVerdict: prev.verdict,
    verdictChanged: prev.verdict !== escalated.verdict,
  };
}
