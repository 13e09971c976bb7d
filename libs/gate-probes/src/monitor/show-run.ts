import { appendFileSync, writeFileSync } from 'node:fs';
import type { Escalation } from '../escalate.js';
import { renderJson } from '../render/render-json.js';
import { renderJunit } from '../render/render-junit.js';
import { renderMarkdown } from '../render/render-markdown.js';
import { renderTable } from '../render/render-table.js';
import type { MonitorSettings } from './monitor-settings.js';

export interface Streams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown };
}

/**
 * Shows one run the ways the settings ask: the table (or JSON, or Markdown)
 * on stdout, JUnit and Markdown files rewritten, the GitHub job summary
 * appended. In a loop each run gets a header with its time and number, and
 * JSON is one line per run so the stream stays parseable.
 */
export function showRun(settings: MonitorSettings, io: Streams) {
  return (step: Escalation, runNumber: number): void => {
    const { run } = step;
    if (settings.json) {
      io.stdout.write(settings.loop ? `${JSON.stringify(JSON.parse(renderJson(run)))}\n` : renderJson(run));
    } else {
      if (settings.loop) io.stdout.write(`\n── run ${runNumber} · ${run.finishedAt} ──\n`);
      io.stdout.write(settings.markdown === '-' ? renderMarkdown(run) : renderTable(run));
    }
    if (settings.junit) writeFileSync(settings.junit, renderJunit(run));
    if (settings.markdown && settings.markdown !== '-') writeFileSync(settings.markdown, renderMarkdown(run));
    if (settings.stepSummary) appendFileSync(settings.stepSummary, `${renderMarkdown(run)}\n`);
  };
}
