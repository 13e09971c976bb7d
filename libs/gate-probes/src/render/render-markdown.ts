import type { GateRun } from '../types.js';
import { VERDICT_ICONS } from '../verdict.js';
import { durationSeconds, latency, stateLabel } from './format.js';

/** A table cell: no pipe or newline may break the row. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** For a GitHub job summary ($GITHUB_STEP_SUMMARY) or the decision-call notes. */
export function renderMarkdown(run: GateRun): string {
  const out = [
    `## ${VERDICT_ICONS[run.verdict]} ${run.verdict}: beta gates`,
    '',
    `Checked at ${run.finishedAt} in ${durationSeconds(run.startedAt, run.finishedAt).toFixed(1)} s; exit code ${run.exitCode}.`,
    '',
    '| gate | state | value | threshold | reason | latency | source |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const g of run.gates) {
    const value = g.evidence.value === null ? '—' : String(g.evidence.value);
    const source = g.evidence.source ? (/^https?:\/\//.test(g.evidence.source) ? `[link](${g.evidence.source.replace(/[()]/g, encodeURIComponent)})` : cell(g.evidence.source)) : '';
    out.push(`| ${cell(g.title)} | ${stateLabel(g)} | ${cell(value)} | ${cell(g.evidence.threshold)} | ${g.reason ?? ''} | ${latency(g)} | ${source} |`);
  }
  out.push('');
  for (const g of run.gates) out.push(`- **${cell(g.title)}**: ${cell(g.summary)}`);
  return out.join('\n') + '\n';
}
