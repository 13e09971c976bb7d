/**
 * npm run monitor: the six gates once, or in a loop with LOOP=1. Exit codes:
 * 0 GO, 1 NO-GO, 2 inconclusive (or stopped before a run finished, or a GO
 * whose --json/--junit/--markdown file could not be written),
 * 3 configuration error (before probing), 70 a bug. SIGTERM / SIGINT / SIGHUP stop
 * the loop at once; the exit code is then the last verdict's (its output given 5 s to be read: a GO whose
 * output was not exits 2).
 */
import { resolve } from 'node:path';
import { monitorSettingsFromEnv, runMonitor, showRun } from '@veza/gate-probes';
import { DEFAULT_DATA_DIR, dataDirMissing, dataDirSetting } from '@veza/invites-db';
import { problemText } from '@veza/invite-rules';
import { SETTINGS_EXIT_CODE, formatProblems, loadEnv, misspelledSettingWarnings } from '@veza/settings';
import { parseCommandLine } from './command-line.js';
import { SIGNAL_OUTPUT_WAIT_MS, guardStderr, nextTurn, outputsWritten, outputsWrittenWithin, stderrLost } from './process-output.js';

// stderr on a pipe whose reader went away, or on a full disk: kept quiet, not an uncaught error (process-output.ts)
guardStderr();

const say = (line: string) => process.stderr.write(`monitor-worker: ${line}\n`);

async function main(): Promise<number> {
  // .env in the working directory fills in what the environment does not set, as in every app.
  const loaded = loadEnv();
  const { env } = loaded;
  // A misspelled setting (DATABSE_URL in the .env), said before anything: the monitor would run on without it.
  const withoutDatabaseUrl = env['VEZA_DATA_DIR']?.trim()
    ? 'the embedded database of VEZA_DATA_DIR is used'
    : 'the monitor opens no database (the testers gate is ⚪ and verdicts are not stored)';
  for (const warning of misspelledSettingWarnings(loaded, { withoutDatabaseUrl })) say(`warning: ${warning}`);
  const commandLine = await parseCommandLine(process.argv.slice(2));
  if (commandLine.kind === 'help') return 0;
  const settings = monitorSettingsFromEnv(env, { once: commandLine.kind === 'run' && commandLine.args.once });
  if (commandLine.kind === 'error' || !settings.ok) {
    // Every problem at once, the command line's and the settings' (exit 3, as every app).
    for (const error of commandLine.kind === 'error' ? commandLine.errors : []) say(`configuration error: ${error}`);
    if (!settings.ok) process.stderr.write(formatProblems(settings.problems, { app: 'monitor-worker' }));
    if (commandLine.kind === 'error') process.stderr.write(`\n${commandLine.usage}\n`);
    return SETTINGS_EXIT_CODE;
  }
  for (const warning of settings.warnings) say(`warning: ${problemText(warning)}`);
  // The monitor opens the embedded database only when told (it would hold it for as long as it runs): say where one is.
  if (settings.value.database === null && !dataDirMissing(DEFAULT_DATA_DIR))
    say(
      `note: an embedded database is in ${resolve(DEFAULT_DATA_DIR)}, and the monitor opens one only with VEZA_DATA_DIR (or DATABASE_URL): set ${dataDirSetting(resolve(DEFAULT_DATA_DIR, '..'))} to count its testers and store verdicts (the monitor then holds it while it runs: the CLI and the API cannot use it meanwhile)`,
    );

  const controller = new AbortController();
  // SIGHUP too (the terminal of a tmux-less run went away, a service manager's hangup): it killed the worker, and an
  // output file's writer blocked on a FIFO or a stalled mount was left running for ever
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.once(signal, () => controller.abort());
  const outputs = { ...commandLine.args, loop: settings.value.loop, stepSummary: env['GITHUB_STEP_SUMMARY']?.trim() || null };
  const show = showRun(outputs, process.stdout);
  // a file that could not be written is reported by the loop ("output: …"); show.finish makes the exit code say it too
  const code = await runMonitor(settings.value, { onRun: show, say, signal: controller.signal });
  // What stdout's reader has not taken yet, and the error of a write that failed (a full disk), come after the
  // run: waited for before the exit code is decided. After a signal for SIGNAL_OUTPUT_WAIT_MS at most (a reader
  // that does not read must not hold a worker asked to stop; with no wait, a slow reader lost the last runs and a
  // GO exited 0); else until a signal ends the wait.
  const stopped = controller.signal.aborted;
  const cut = stopped ? !(await outputsWrittenWithin()) : !(await outputsWritten(controller.signal));
  if (cut)
    say(
      stopped
        ? `stopped by a signal; its last output was not taken by stdout's reader within ${SIGNAL_OUTPUT_WAIT_MS} ms: left unwritten`
        : 'stopped while its output waited to be read (the run had ended); the rest of its output is lost',
    );
  const shown = show.finish(code, say, { stopped });
  await nextTurn(); // the error of finish's own line on stderr
  // a run whose output was lost in part is not a clean GO: 2, as for a report file not written
  return (cut || stderrLost()) && shown === 0 ? 2 : shown;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      `monitor-worker: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exit(70);
  },
);
