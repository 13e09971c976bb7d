import type { GateRun } from '../types.js';
import { renderJson } from './render-json.js';
import { renderMarkdown } from './render-markdown.js';
import { renderTable } from './render-table.js';

export type StdoutFormat = 'table' | 'json' | 'markdown';

/**
 * What one run prints on stdout. In a loop (`runNumber` given) the table gets
 * a header with the run's number and time, and JSON is one line per run so
 * the stream stays parseable (NDJSON).
 */
export function renderRunForStdout(run: GateRun, format: StdoutFormat, runNumber: number | null = null): string {
  if (format === 'json') return runNumber === null ? renderJson(run) : `${JSON.stringify(JSON.parse(renderJson(run)))}\n`;
  const header = runNumber === null ? '' : `\n── run ${runNumber} · ${run.finishedAt} ──\n`;
  return header + (format === 'markdown' ? renderMarkdown(run) : renderTable(run));
}
