import { appendFileSync, writeFileSync } from 'node:fs';
import { renderJunit, renderMarkdown, renderRunForStdout } from '@veza/gate-probes';
import type { Escalation } from '@veza/gate-probes';
import type { MonitorArgs } from './command-line.js';

export interface Outputs extends MonitorArgs {
  loop: boolean;
  /** GITHUB_STEP_SUMMARY: the Markdown report is appended to it */
  stepSummary: string | null;
}

/**
 * Shows one run the ways the flags ask: the table (or JSON, or Markdown) on
 * stdout, JUnit and Markdown files rewritten, the GitHub job summary appended.
 */
export function showRun(outputs: Outputs, stdout: { write(text: string): unknown }) {
  return (step: Escalation, runNumber: number): void => {
    const { run } = step;
    const format = outputs.json ? 'json' : outputs.markdown === '-' ? 'markdown' : 'table';
    stdout.write(renderRunForStdout(run, format, outputs.loop ? runNumber : null));
    if (outputs.junit) writeFileSync(outputs.junit, renderJunit(run));
    if (outputs.markdown && outputs.markdown !== '-') writeFileSync(outputs.markdown, renderMarkdown(run));
    if (outputs.stepSummary) appendFileSync(outputs.stepSummary, `${renderMarkdown(run)}\n`);
  };
}
