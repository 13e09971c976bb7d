import { gatesConfigFromEnv } from '../config.js';
import { runGateLoop } from '../gate-loop.js';
import { postWebhook } from '../post-webhook.js';
import { runGates } from '../run-gates.js';
import { CONFIG_ERROR_EXIT_CODE } from '../verdict.js';
import { openMonitorStore } from './monitor-store.js';
import { showRun } from './show-run.js';
import type { Streams } from './show-run.js';
import { USAGE, monitorSettingsFromEnv, parseMonitorArgs } from './monitor-settings.js';

export interface MonitorInput extends Streams {
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** aborted on SIGTERM / SIGINT */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /** how messages on stderr are prefixed (default 'monitor-worker') */
  programName?: string;
}

/**
 * The whole worker: settings (exit 3 before probing), database, then the
 * gate loop — one run, or LOOP=1 until MAX_RUNS or the signal. Returns the
 * exit code of the last run.
 */
export async function runMonitor(input: MonitorInput): Promise<number> {
  const say = (line: string) => input.stderr.write(`${input.programName ?? 'monitor-worker'}: ${line}\n`);
  const args = parseMonitorArgs(input.argv);
  const settings = monitorSettingsFromEnv(input.env, args.ok ? args.value : { json: false, junit: null, markdown: null, once: false, help: false });
  const gates = gatesConfigFromEnv(input.env);
  if (!args.ok || !settings.ok || !gates.ok) {
    const errors = [...(args.ok ? [] : args.errors), ...(settings.ok ? [] : settings.errors), ...(gates.ok ? [] : gates.errors)];
    for (const error of errors) say(`configuration error: ${error}`);
    if (!args.ok) input.stderr.write(USAGE);
    return CONFIG_ERROR_EXIT_CODE;
  }
  const s = settings.value;
  if (s.help) {
    input.stdout.write(USAGE);
    return 0;
  }
  for (const warning of gates.warnings) say(`warning: ${warning}`);

  const store = await openMonitorStore(input.env, s.databaseGiven, gates.value.timeoutMs);
  try {
    if (s.loop && store.notMigrated) {
      say(`configuration error: LOOP=1 stores every verdict, but ${store.notStoredBecause}`);
      return CONFIG_ERROR_EXIT_CODE;
    }
    // A single run without a database is the plain CI check: storing is not expected there, so no note.
    if (store.notStoredBecause && (s.loop || s.databaseGiven)) say(`verdicts are not stored: ${store.notStoredBecause}`);
    // Without a history a single run cannot tell a change from a repeat: it would announce every cron tick.
    const announce = s.webhookUrl !== null && (s.loop || store.history !== null);
    if (s.webhookUrl && !announce) say('GATES_WEBHOOK_URL is not used for a single run without stored verdicts (every run would look like a change)');
    if (s.loop) say(`checking every ${s.intervalMs / 1_000} s${s.maxRuns ? `, ${s.maxRuns} run(s)` : ''}; ⚪ for ${s.unknownLimit} runs turns 🔴`);

    const result = await runGateLoop({
      checkOnce: (signal) => runGates(gates.value, { testers: store.testers, signal, fetch: input.fetch }),
      intervalMs: s.intervalMs,
      unknownLimit: s.unknownLimit,
      maxRuns: s.loop ? (s.maxRuns ?? undefined) : 1,
      signal: input.signal,
      loadState: store.history?.load,
      saveRun: store.history ? (step) => store.history!.save(step.run, step.state) : undefined,
      onRun: showRun(s, input),
      postWebhook: announce ? (payload) => postWebhook(s.webhookUrl!, payload, { fetch: input.fetch }) : undefined,
      onProblem: (problem) => say(`${problem.stage === 'save' ? 'verdict not stored' : problem.stage}: ${problem.message}`),
    });
    if (result.stoppedBy === 'signal') say(`stopped after ${result.runs} run(s); last verdict ${result.last?.run.verdict ?? 'none'}`);
    return result.exitCode;
  } finally {
    await store.close();
  }
}
