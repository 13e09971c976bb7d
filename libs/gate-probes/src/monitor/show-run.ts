import type { Escalation } from '../escalate.js';
import { renderJunit } from '../render/render-junit.js';
import { renderMarkdown } from '../render/render-markdown.js';
import { renderRunForStdout } from '../render/render-stdout.js';
import { outputFiles } from './output-file.js';

/** Where a run is shown: the monitor's and `gates check`'s flags. */
export interface RunOutputs {
  json: boolean;
  /** JUnit XML file, rewritten after each run */
  junit: string | null;
  /** Markdown: null = none, '-' = to stdout instead of the table, else a file rewritten after each run */
  markdown: string | null;
  loop: boolean;
  /** GITHUB_STEP_SUMMARY: the Markdown report is appended to it */
  stepSummary: string | null;
}

export interface RunShower {
  (step: Escalation, runNumber: number): Promise<void>;
  /**
   * At exit: names the files still being written (their writers are
   * killed) and gives the exit code. A file not written means a cron job's
   * report is missing: a GO (0) becomes 2.
   */
  finish(code: number, say: (line: string) => void): number;
}

/**
 * Shows one run the ways the flags ask: the table (or JSON, or Markdown) on
 * stdout, JUnit and Markdown files rewritten, the GitHub job summary appended.
 * The files are written asynchronously (by outputFiles' child processes), so
 * the run deadline bounds them: a path that blocks is left behind, never the
 * process. Rejects naming every file that could not be written.
 */
export function showRun(outputs: RunOutputs, stdout: { write(text: string): unknown }): RunShower {
  const files = outputFiles();
  let anyFailed = false;
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
    if (failed.length) {
      anyFailed = true;
      throw new Error(failed.join('; '));
    }
  };
  const finish = (code: number, say: (line: string) => void): number => {
    const left = files.pending();
    if (left.length) {
      say(`output: not written by the run deadline, left behind: ${left.join(', ')}`);
      anyFailed = true;
      files.abandon();
    }
    return anyFailed && code === 0 ? 2 : code;
  };
  return Object.assign(show, { finish });
}
