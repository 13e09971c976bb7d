import { problemText } from '@veza/invite-rules';
import { CONFIG_ERROR_EXIT_CODE, monitorSettingsFromEnv, runMonitor, showRun } from '@veza/gate-probes';
import type { MonitorSettings } from '@veza/gate-probes';
import type { CommandModule } from 'yargs';
import { databaseDeadlines, withCliDataDir } from '../database.js';
import { loadEnv } from '../env.js';
import { ownStop } from '../early-stop.js';
import { ExitError } from '../exit-error.js';

interface Args {
  json: boolean;
  junit?: string;
  markdown?: string;
  once: boolean;
}

const PROGRAM = 'veza-beta gates check';

/** A command-line mistake here is a configuration error (exit 3), as in monitor-worker. */
function configError(problems: string[]): ExitError {
  return new ExitError(
    CONFIG_ERROR_EXIT_CODE,
    `${problems.map((p) => `${PROGRAM}: configuration error: ${p}`).join('\n')}\nRun 'veza-beta gates check --help' for usage.`,
  );
}

/**
 * The monitor worker's job from the CLI: the six gates once, or in a loop with
 * LOOP=1 (CHECK_INTERVAL, UNKNOWN_MAX_MINUTES, GATES_WEBHOOK_URL), the same
 * library call (runMonitor) as `npm run monitor`, with the same flags.
 */
export const gatesCheckCommand: CommandModule<object, Args> = {
  command: 'check',
  describe: 'Run the six acceptance gates: 0 GO, 1 NO-GO, 2 inconclusive, 3 configuration error',
  builder: (y) =>
    y
      .option('json', { type: 'boolean', default: false, describe: 'Print the run as JSON instead of the table' })
      .option('junit', { type: 'string', describe: 'Also write JUnit XML to this file (one test case per gate)' })
      .option('markdown', { type: 'string', describe: 'Markdown to this file; with no value, to stdout instead of the table' })
      .option('once', { type: 'boolean', default: false, describe: 'One run even when LOOP=1' })
      .example('TESTERS_TARGET=30 PROM_URL=https://prom.veza.fr $0 gates check', 'The configured gates; the others are ⚪ not configured')
      .example(
        'LOOP=1 CHECK_INTERVAL=300 $0 gates check',
        'Poll every 5 minutes until Ctrl-C (verdicts stored, ⚪ escalates after UNKNOWN_MAX_MINUTES)',
      )
      .example('$0 gates check --junit gates.xml --markdown summary.md', 'For CI')
      .strict()
      .fail((message: string | undefined, error: Error | undefined) => {
        throw error ?? configError([message ?? 'invalid command line']);
      }),
  handler: async (args) => {
    const problems: string[] = [];
    if (args.junit !== undefined && args.junit.trim() === '') problems.push('--junit needs a file name');
    const markdown = args.markdown === undefined ? null : args.markdown.trim() || '-';
    if (args.json && markdown === '-') problems.push('--json and --markdown without a file both want stdout: give --markdown a file');

    // The CLI's default database is the embedded one in .veza/db: used when it exists and nothing else is set.
    const env = withCliDataDir(loadEnv());
    const settings = monitorSettingsFromEnv(env, { once: args.once });
    if (!settings.ok) problems.push(...settings.problems.map(problemText));
    if (problems.length || !settings.ok) throw configError(problems);
    const say = (line: string) => process.stderr.write(`${PROGRAM}: ${line}\n`);
    for (const warning of settings.warnings) say(`warning: ${problemText(warning)}`);
    const monitor = oneRunDeadlines(settings.value, env);

    // the files are written by child processes, bounded by the run deadline: a FIFO or a stalled mount is left behind, named
    const show = showRun(
      {
        json: args.json,
        junit: args.junit?.trim() || null,
        markdown,
        loop: settings.value.loop,
        stepSummary: env['GITHUB_STEP_SUMMARY']?.trim() || null,
      },
      process.stdout,
    );
    const controller = new AbortController();
    // the first signal stops the run; a second one is the early stop's (a line, the signal's code)
    const release = ownStop();
    const stop = () => {
      release();
      controller.abort();
    };
    // SIGHUP as SIGTERM: it killed the loop, and an output file's writer blocked on a FIFO was left running for ever
    process.once('SIGINT', stop).once('SIGTERM', stop).once('SIGHUP', stop);
    try {
      process.exitCode = show.finish(
        await runMonitor(monitor, { onRun: show, say, signal: controller.signal, source: 'gates check' }),
        say,
        { stopped: controller.signal.aborted },
      );
    } finally {
      release();
      process.off('SIGINT', stop).off('SIGTERM', stop).off('SIGHUP', stop);
    }
  },
};

/**
 * A single run's database under the CLI's DATABASE_STALL_TIMEOUT, as every
 * other command: a server that stops answering once connected (stopped, a
 * hung machine or network) hung `gates check` and `decision report` for good,
 * silent, and Ctrl-C did not end them. Not with LOOP=1: the deadline ends the
 * connections for the rest of the process, and a loop must outlive an outage.
 */
export function oneRunDeadlines(settings: MonitorSettings, env: NodeJS.ProcessEnv): MonitorSettings {
  if (settings.loop || !settings.database) return settings;
  return { ...settings, database: { ...settings.database, ...databaseDeadlines(env) } };
}
