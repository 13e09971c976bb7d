import { outputFiles, renderJunit, renderMarkdown, renderRunForStdout } from '@veza/gate-probes';
import type { Escalation } from '@veza/gate-probes';
import type { MonitorArgs } from './command-line.js';

export interface Outputs extends MonitorArgs {
  loop: boolean;
  /** GITHUB_STEP_SUMMARY: the Markdown report is appended to it */
  stepSummary: string | null;
}

export interface RunShower {
  (step: Escalation, runNumber: number): Promise<void>;
  /** the files whose write has not finished ("--junit gates.xml") */
  pending(): string[];
  /** kills the writers still pending, at exit */
  abandon(): void;
}

/**
 * Shows one run the ways the flags ask: the table (or JSON, or Markdown) on
 * stdout, JUnit and Markdown files rewritten, the GitHub job summary appended.
 * The files are written asynchronously (by outputFiles' child processes), so
 * the run deadline bounds them: a path that blocks is left behind, never the
 * process. Rejects naming every file that could not be written.
 */
export function showRun(outputs: Outputs, stdout: { write(text: string): unknown }): RunShower {
  const files = outputFiles();
  const show = async (step: Escalation, runNumber: number): Promise<void> => {
    const { run } = step;
    const format = outputs.json ? 'json' : outputs.markdown === '-' ? 'markdown' : 'table';
    stdout.write(renderRunForStdout(run, format, outputs.loop ? runNumber : null));
    const writes: Promise<void>[] = [];
    if (outputs.junit) writes.push(files.write('--junit', outputs.junit, renderJunit(run)));
    if (outputs.markdown && outputs.markdown !== '-') writes.push(files.write('--markdown', outputs.markdown, renderMarkdown(run)));
    if (outputs.stepSummary)
      writes.push(files.write('GITHUB_STEP_SUMMARY', outputs.stepSummary, `${renderMarkdown(run)}\n`, { append: true }));
    const failed = (await Promise.allSettled(writes)).flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    if (failed.length) throw new Error(failed.join('; '));
  };
  return Object.assign(show, { pending: () => files.pending(), abandon: () => files.abandon() });
}
