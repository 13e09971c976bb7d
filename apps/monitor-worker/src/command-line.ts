import yargs from 'yargs';

/** The monitor's flags: what to show, and whether to ignore LOOP. */
export interface MonitorArgs {
  json: boolean;
  /** JUnit XML file, rewritten after each run */
  junit: string | null;
  /** Markdown: null = none, '-' = to stdout instead of the table, else a file rewritten after each run */
  markdown: string | null;
  once: boolean;
}

export type CommandLine = { kind: 'run'; args: MonitorArgs } | { kind: 'help' } | { kind: 'error'; errors: string[]; usage: string };

const ENVIRONMENT = `Runs the six acceptance gates once, or in a loop with LOOP=1, and prints the
verdict. Exit codes: 0 GO, 1 NO-GO, 2 inconclusive, 3 configuration error.

Environment: LOOP, CHECK_INTERVAL (seconds, 300), UNKNOWN_MAX_MINUTES (4 × CHECK_INTERVAL),
GATES_RUN_TIMEOUT_MS (30000), MAX_RUNS, GATES_WEBHOOK_URL, DATABASE_URL / VEZA_DATA_DIR,
GITHUB_STEP_SUMMARY, and the gates' settings (TESTERS_TARGET, SENTRY_*, STATUSPAGE_URL,
PROM_URL, GITHUB_*, K6_*, HIGH_*, GATE_TIMEOUT_MS): see docs/monitor-worker.md.`;

function parser(argv: readonly string[]) {
  return yargs([...argv])
    .scriptName('monitor-worker')
    .usage('Usage: $0 [--json] [--junit FILE] [--markdown [FILE]] [--once]')
    .option('json', {
      type: 'boolean',
      default: false,
      describe: 'JSON report on stdout instead of the table (one line per run in a loop)',
    })
    .option('junit', { type: 'string', describe: 'write JUnit XML (one test case per gate) to FILE after each run' })
    .option('markdown', { type: 'string', describe: 'Markdown report to FILE, or to stdout instead of the table' })
    .option('once', { type: 'boolean', default: false, describe: 'one run even when LOOP=1' })
    .epilog(ENVIRONMENT)
    .strict()
    .help()
    .alias('h', 'help')
    .version(false)
    .exitProcess(false)
    .wrap(100)
    .fail((message, error) => {
      throw error ?? new Error(message);
    });
}

/**
 * argv after the script name. Strict: a mistyped flag (--junitt), a stray
 * word, --junit without a file, or two outputs wanting stdout are errors
 * (exit 3 in main, as for `veza-beta gates check`).
 */
export async function parseCommandLine(argv: readonly string[]): Promise<CommandLine> {
  const p = parser(argv);
  let parsed: { json: boolean; junit?: string; markdown?: string; once: boolean; help?: boolean };
  try {
    parsed = await p.parseAsync();
  } catch (error) {
    return { kind: 'error', errors: [error instanceof Error ? error.message : String(error)], usage: await parser([]).getHelp() };
  }
  // yargs has printed the help on stdout already
  if (parsed.help) return { kind: 'help' };
  const errors: string[] = [];
  if (parsed.junit !== undefined && parsed.junit.trim() === '') errors.push('--junit needs a file name');
  const markdown = parsed.markdown === undefined ? null : parsed.markdown.trim() || '-';
  if (parsed.json && markdown === '-') errors.push('--json and --markdown without a file both want stdout: give --markdown a file');
  if (errors.length) return { kind: 'error', errors, usage: await parser([]).getHelp() };
  return { kind: 'run', args: { json: parsed.json, junit: parsed.junit?.trim() || null, markdown, once: parsed.once } };
}
