import { DEFAULT_UNKNOWN_LIMIT } from '../escalate.js';

/** The monitor's own settings (the gates' are read by gatesConfigFromEnv). Every default here. */
export const MONITOR_DEFAULTS = Object.freeze({
  /** seconds between the starts of two runs in a loop (the seed's CHECK_INTERVAL) */
  checkIntervalSeconds: 300,
  /** consecutive ⚪ runs before a gate turns 🔴 */
  unknownLimit: DEFAULT_UNKNOWN_LIMIT,
});

export interface MonitorArgs {
  json: boolean;
  /** JUnit XML file, rewritten after each run */
  junit: string | null;
  /** Markdown: null = none, '-' = to stdout instead of the table, else a file rewritten after each run */
  markdown: string | null;
  once: boolean;
  help: boolean;
}

export interface MonitorSettings extends MonitorArgs {
  loop: boolean;
  intervalMs: number;
  unknownLimit: number;
  maxRuns: number | null;
  webhookUrl: string | null;
  stepSummary: string | null;
  /** DATABASE_URL or VEZA_DATA_DIR is set */
  databaseGiven: boolean;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; errors: string[] };

export const USAGE = `Usage: monitor-worker [--json] [--junit FILE] [--markdown [FILE]] [--once]

Runs the six acceptance gates once, or in a loop with LOOP=1, and prints the
verdict. Exit codes: 0 GO, 1 NO-GO, 2 inconclusive, 3 configuration error.

  --json             JSON report on stdout instead of the table (one line per run in a loop)
  --junit FILE       write JUnit XML (one test case per gate) to FILE after each run
  --markdown [FILE]  Markdown report to FILE, or to stdout instead of the table
  --once             one run even when LOOP=1

Environment: LOOP, CHECK_INTERVAL (seconds, 300), UNKNOWN_LIMIT (runs, 4),
MAX_RUNS, GATES_WEBHOOK_URL, DATABASE_URL / VEZA_DATA_DIR, GITHUB_STEP_SUMMARY,
and the gates' settings (TESTERS_TARGET, SENTRY_*, STATUSPAGE_URL, PROM_URL,
GITHUB_*, K6_*, HIGH_*): see docs/monitor-worker.md.
`;

/** argv after the script name. `--markdown` takes a file only when the next word is not an option. */
export function parseMonitorArgs(argv: readonly string[]): Parsed<MonitorArgs> {
  const args: MonitorArgs = { json: false, junit: null, markdown: null, once: false, help: false };
  const errors: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split(/=(.*)/s, 2) as [string, string | undefined];
    const next = () => (inline ?? (argv[i + 1] !== undefined && !argv[i + 1]!.startsWith('--') ? argv[++i] : undefined));
    if (flag === '--json' && inline === undefined) args.json = true;
    else if (flag === '--once' && inline === undefined) args.once = true;
    else if ((flag === '--help' || flag === '-h') && inline === undefined) args.help = true;
    else if (flag === '--junit') {
      const file = next();
      if (file) args.junit = file;
      else errors.push('--junit needs a file name');
    } else if (flag === '--markdown') args.markdown = next() ?? '-';
    else errors.push(`unknown argument ${JSON.stringify(argv[i])}`);
  }
  if (args.json && args.markdown === '-') errors.push('--json and --markdown without a file both want stdout: give --markdown a file');
  return errors.length ? { ok: false, errors } : { ok: true, value: args };
}

const FLAG = /^(1|true|yes|on)$/i;
const NOT_FLAG = /^(|0|false|no|off)$/i;

/** LOOP, CHECK_INTERVAL, UNKNOWN_LIMIT, MAX_RUNS, GATES_WEBHOOK_URL …: strict, each error names its variable. */
export function monitorSettingsFromEnv(env: Record<string, string | undefined>, args: MonitorArgs): Parsed<MonitorSettings> {
  const errors: string[] = [];
  const raw = (name: string) => env[name]?.trim() || undefined;
  const count = (name: string, fallback: number, min: number, integer: boolean): number => {
    const value = raw(name);
    if (value === undefined) return fallback;
    const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
    if (!(n >= min) || (integer && !Number.isInteger(n))) {
      errors.push(`${name} must be ${integer ? 'an integer' : 'a number'} ≥ ${min} (got "${value}")`);
      return fallback;
    }
    return n;
  };

  const loopRaw = raw('LOOP') ?? '';
  if (!FLAG.test(loopRaw) && !NOT_FLAG.test(loopRaw)) errors.push(`LOOP must be 1 or 0 (got "${loopRaw}")`);
  const intervalSeconds = count('CHECK_INTERVAL', MONITOR_DEFAULTS.checkIntervalSeconds, 1, false);
  const unknownLimit = count('UNKNOWN_LIMIT', MONITOR_DEFAULTS.unknownLimit, 1, true);
  const maxRuns = raw('MAX_RUNS') === undefined ? null : count('MAX_RUNS', 1, 1, true);

  let webhookUrl: string | null = null;
  const hook = raw('GATES_WEBHOOK_URL');
  if (hook !== undefined) {
    let ok = false;
    try {
      ok = ['http:', 'https:'].includes(new URL(hook).protocol);
    } catch {
      ok = false;
    }
    // The URL is a credential: never echo it.
    if (ok) webhookUrl = hook;
    else errors.push('GATES_WEBHOOK_URL is not an http(s) URL');
  }

  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    value: Object.freeze({
      ...args,
      loop: FLAG.test(loopRaw) && !args.once,
      intervalMs: Math.round(intervalSeconds * 1_000),
      unknownLimit,
      maxRuns,
      webhookUrl,
      stepSummary: raw('GITHUB_STEP_SUMMARY') ?? null,
      databaseGiven: raw('DATABASE_URL') !== undefined || raw('VEZA_DATA_DIR') !== undefined,
    }),
  };
}
