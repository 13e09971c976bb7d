import type { GateRun, GateState } from '../types.js';
import type { HighIssue } from '../launch/high-triage.js';

/** Everything the decision report shows, gathered by the caller (the CLI reads the database and the APIs). */
export interface DecisionReportInput {
  generatedAt: Date;
  /** the run made for the report */
  run: GateRun;
  /** stored runs over the beta window, any order: the history chart */
  history: { startedAt: string; gates: { id: string; title: string; state: GateState }[] }[];
  /** the history is the newest runs the caller could read, not all of the window's: said under the chart */
  historyCut?: boolean;
  /** per cohort */
  funnel: { cohort: string; invited: number; sent: number; redeemed: number }[];
  dispatch: { attempted: number; sent: number; failed: number; unknown: number };
  failures: { email: string; cohort: string; attempts: number; lastError: string | null }[];
  /** `truncated`: the listing was cut at its page cap while GitHub had more: more may be open than listed */
  highIssues: { ok: true; issues: HighIssue[]; truncated?: boolean } | { ok: false; why: string };
  /** decisions already recorded, newest first */
  decisions: { decision: string; note: string | null; by: string[]; decidedAt: Date }[];
}

export const STATE_COLOURS: Record<GateState, string> = { pass: '#2e7d32', fail: '#c62828', unknown: '#9e9e9e' };
export const STATE_WORDS: Record<GateState, string> = { pass: '✅ pass', fail: '🔴 fail', unknown: '⚪ unknown' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
