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
   * report is missing: a GO (0) becomes 2. `stopped`: the run ended on
   * SIGTERM/SIGINT (the files were cut by it, not by the run deadline).
   */
  finish(code: number, say: (line: string) => void, options?: { stopped?: boolean }): number;
}

/**
 * Shows one run the ways the flags ask: the table (or JSON, or Markdown) on
 * stdout, JUnit and Markdown files rewritten, the GitHub job summary appended.
 * The files are written asynchronously (by outputFiles' child processes), so
 * the run deadline bounds them: a path that blocks is left behind, never the
 * process. Rejects naming every file that could not be written.
 */
export function showRun(
  outputs: RunOutputs,
  stdout: { write(text: string): unknown; on?(event: 'error', listener: (error: Error) => void): unknown },
): RunShower {
  const files = outputFiles();
  let anyFailed = false;
  // stdout closed by its reader (`| head`, a tee that died: EPIPE) is an output that failed, said once; the loop
  // goes on storing and announcing. Unhandled, it crashed the monitor (exit 1, read as NO-GO) and ended a
  // `gates check` loop with exit 0.
  let stdoutError: { code?: string; message: string } | null = null;
  let stdoutReported = false;
  stdout.on?.('error', (error: Error & { code?: string }) => {
    stdoutError ??= error;
  });
  const stdoutProblem = (): string | null => {
    if (!stdoutError) return null;
    anyFailed = true;
    if (stdoutReported) return null;
    stdoutReported = true;
    return `stdout: ${stdoutError.code === 'EPIPE' ? 'closed by its reader (EPIPE)' : stdoutError.message}: the runs are no longer shown there`;
  };
  const show = async (step: Escalation, runNumber: number): Promise<void> => {
    const { run } = step;
    const format = outputs.json ? 'json' : outputs.markdown === '-' ? 'markdown' : 'table';
    if (!stdoutError) stdout.write(renderRunForStdout(run, format, outputs.loop ? runNumber : null));
    const writes: Promise<void>[] = [];
    if (outputs.junit) writes.push(files.write('--junit', outputs.junit, renderJunit(run)));
    if (outputs.markdown && outputs.markdown !== '-') writes.push(files.write('--markdown', outputs.markdown, renderMarkdown(run)));
    if (outputs.stepSummary)
      writes.push(files.write('GITHUB_STEP_SUMMARY', outputs.stepSummary, `${renderMarkdown(run)}\n`, { append: true }));
    const failed = (await Promise.allSettled(writes)).flatMap((r) => (r.status === 'rejected' ? [(r.reason as Error).message] : []));
    const closed = stdoutProblem();
    if (closed) failed.unshift(closed);
    if (failed.length) {
      anyFailed = true;
      throw new Error(failed.join('; '));
    }
  };
  const finish = (code: number, say: (line: string) => void, options: { stopped?: boolean } = {}): number => {
    const closed = stdoutProblem();
    if (closed) say(`output: ${closed}`);
    const left = files.pending();
    if (left.length) {
      say(
        `output: not written ${options.stopped ? 'when a signal stopped the run' : 'by the run deadline'}, left behind: ${left.join(', ')}`,
      );
      anyFailed = true;
      files.abandon();
    }
    return anyFailed && code === 0 ? 2 : code;
  };
  return Object.assign(show, { finish });
}
