/** The six gates, in the order the decision call reads them. */
export const GATE_IDS = ['testers', 'sentry', 'statuspage', 'synthetic', 'k6', 'high_issues'] as const;
export type GateId = (typeof GATE_IDS)[number];

export const GATE_TITLES: Record<GateId, string> = {
  testers: 'Testers signed up',
  sentry: 'Sentry high-priority issues',
  statuspage: 'Status page',
  synthetic: 'Synthetic parcours',
  k6: 'k6 nightly',
  high_issues: 'HIGH issues',
};

export type GateState = 'pass' | 'fail' | 'unknown';

/**
 * Why a gate could not be judged (⚪). `not_configured`: its settings are all
 * absent; `config`: the settings point at nothing (404, unknown workflow, no
 * database given, table missing); `unavailable`: network error or 5xx after
 * the retries.
 */
export const UNKNOWN_REASONS = ['timeout', 'auth', 'rate_limited', 'no_data', 'parse', 'config', 'not_configured', 'unavailable'] as const;
export type UnknownReason = (typeof UNKNOWN_REASONS)[number];

/** What a gate saw. Every field is always present (null when not applicable) so the JSON shape is stable. */
export interface Evidence {
  /** The measured value: a count, an indicator, an age in hours; null when nothing was measured. */
  value: number | string | null;
  /** The pass criterion in words, e.g. "≥ 50", "≤ 0", "= 1", "≤ 30 h". */
  threshold: string;
  /** Where the value came from: a URL without tokens, or the database target without password. */
  source: string | null;
  /** HTTP status of the last response; null for the database or when no response came. */
  httpStatus: number | null;
  /** Wall time of the probe, retries included, in milliseconds. */
  latencyMs: number;
  /** ISO time the probe finished. */
  observedAt: string;
  /** HTTP attempts made (1 without retries; 0 for the database). */
  attempts: number;
  /** Probe-specific extras: top issues, open incidents, run URL … */
  details: Record<string, unknown>;
}

export interface GateResult {
  id: GateId;
  title: string;
  state: GateState;
  /** Set when state is unknown, or 'unknown_too_long' when the escalation turned a lasting ⚪ into 🔴. */
  reason: UnknownReason | 'unknown_too_long' | null;
  /** One line for a human: what was seen and why it passes or not. */
  summary: string;
  evidence: Evidence;
}

export type Verdict = 'GO' | 'NO-GO' | 'INCONCLUSIVE';
export type VerdictExitCode = 0 | 1 | 2;

export interface GateRun {
  startedAt: string;
  finishedAt: string;
  verdict: Verdict;
  exitCode: VerdictExitCode;
  gates: GateResult[];
}
