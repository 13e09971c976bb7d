import type { GateRun } from '../types.js';
import { VERDICT_ICONS } from '../verdict.js';
import { latency, stateLabel, valueVsThreshold } from './format.js';

/** Terminal columns of a string: the gate icons (and other emoji) take two. */
function width(text: string): number {
  let n = 0;
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0;
    n += cp === 0x2705 || cp === 0x26aa || cp >= 0x1f300 ? 2 : 1;
  }
  return n;
}

const pad = (text: string, to: number) => text + ' '.repeat(Math.max(0, to - width(text)));

/**
 * The report for a terminal or a tmux pane: one row per gate, then the
 * summaries of the gates that are not ✅, then the verdict with its exit code.
 */
export function renderTable(run: GateRun): string {
  const header = ['gate', 'state', 'value / threshold', 'reason', 'latency', 'source'];
  const rows = run.gates.map((g) => [g.title, stateLabel(g), valueVsThreshold(g), g.reason ?? '', latency(g), g.evidence.source ?? '']);
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : pad(c, widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const out = [`Beta gates at ${run.finishedAt}`, '', line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line), ''];
  for (const g of run.gates.filter((gate) => gate.state !== 'pass')) out.push(`${stateLabel(g)}  ${g.title}: ${g.summary}`);
  if (run.gates.some((g) => g.state !== 'pass')) out.push('');
  out.push(`Verdict: ${VERDICT_ICONS[run.verdict]} ${run.verdict} (exit ${run.exitCode})`);
  return out.join('\n') + '\n';
}
