import type { GateRun } from '../types.js';

/** Bumped on any change a consumer could notice (renamed or removed field, new meaning). */
export const GATES_JSON_SCHEMA_VERSION = 1;

/**
 * The stable JSON report (documented in the README): fields always present
 * and in a fixed order, null where not applicable.
 */
export function renderJson(run: GateRun): string {
  const doc = {
    schemaVersion: GATES_JSON_SCHEMA_VERSION,
    verdict: run.verdict,
    exitCode: run.exitCode,
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    gates: run.gates.map((g) => ({
      id: g.id,
      title: g.title,
      state: g.state,
      reason: g.reason,
      summary: g.summary,
      evidence: {
        value: g.evidence.value,
        threshold: g.evidence.threshold,
        source: g.evidence.source,
        httpStatus: g.evidence.httpStatus,
        latencyMs: g.evidence.latencyMs,
        observedAt: g.evidence.observedAt,
        attempts: g.evidence.attempts,
        details: g.evidence.details,
      },
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
