import type { GateRun } from '../types.js';
import { VERDICT_ICONS } from '../verdict.js';
import { durationSeconds, latency, stateLabel } from './format.js';

/** A table cell: no pipe or newline may break the row, no <text> may vanish as an HTML tag. */
function cell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r?\n/g, ' ');
}

/** A link named after its host; characters that would end a Markdown link destination are encoded. */
function link(source: string): string {
  if (!/^https?:\/\//.test(source)) return cell(source);
  const href = source.replace(/[()\s<>|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${new URL(source).host}](${href})`;
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
    const source = g.evidence.source ? link(g.evidence.source) : '';
    out.push(
      `| ${cell(g.title)} | ${stateLabel(g)} | ${cell(value)} | ${cell(g.evidence.threshold)} | ${g.reason ?? ''} | ${latency(g)} | ${source} |`,
    );
  }
  out.push('');
  for (const g of run.gates) out.push(`- **${cell(g.title)}**: ${cell(g.summary)}`);
  return out.join('\n') + '\n';
}
