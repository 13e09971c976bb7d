import type { GateResult } from '../types.js';
import { STATE_ICONS } from '../verdict.js';

/** "57 / ≥ 50": the value against the threshold, as people read it. */
export function valueVsThreshold(gate: GateResult): string {
  const value = gate.evidence.value === null ? '—' : String(gate.evidence.value);
  return `${value} / ${gate.evidence.threshold}`;
}

export function stateLabel(gate: GateResult): string {
  return `${STATE_ICONS[gate.state]} ${gate.state === 'pass' ? 'pass' : gate.state === 'fail' ? 'FAIL' : 'unknown'}`;
}

export function latency(gate: GateResult): string {
  return `${gate.evidence.latencyMs} ms`;
}

/** Seconds between two ISO times, for durations shown to people. */
export function durationSeconds(startedAt: string, finishedAt: string): number {
  return Math.max(0, (Date.parse(finishedAt) - Date.parse(startedAt)) / 1000);
}
