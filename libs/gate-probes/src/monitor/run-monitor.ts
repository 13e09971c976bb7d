import type { Escalation } from '../escalate.js';
import { runGateLoop } from '../gate-loop.js';
import { withDeadline } from '../deadline.js';
import { postWebhook } from '../post-webhook.js';
import { runGates } from '../run-gates.js';
import { openMonitorStore } from './monitor-store.js';
import type { MonitorSettings } from './monitor-settings.js';

/** What the app gives the monitor besides its settings: where to show things, and how to stop. */
export interface MonitorIo {
  /** shows each run (stdout, JUnit, Markdown …): the app's own outputs */
  onRun: (step: Escalation, runNumber: number) => void | Promise<void>;
  /** one line for the operator on stderr (the app adds its prefix) */
  say: (line: string) => void;
  /** aborted on SIGTERM / SIGINT: the pause ends at once, a run in flight is discarded */
  signal?: AbortSignal;
  fetch?: typeof fetch;
  /**
   * who ran the gates, stored with each run (`run.source`): 'monitor' for the
   * monitor-worker (default), 'gates check' or 'decision report' for a one-off
   * run, so that "is the monitor running" is not answered by a one-off check
   */
  source?: string;
}

/** 90 s → "90 s", 20 min → "20 min", 2.5 min → "2.5 min". */
function duration(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 100) / 10} s` : `${Math.round(ms / 6_000) / 10} min`;
}

/** Closing the database is bounded too: a store that does not close in time is left to the process exit. */
const CLOSE_DEADLINE_MS = 5_000;

/**
 * The whole worker once the settings are valid: database, then the gate
 * loop — one run, or a loop until maxRuns or the signal — each run ended by
 * its deadline. Returns the exit code: the last run's (0 GO, 1 NO-GO, 2
 * inconclusive), or 3 when LOOP=1 meets a database without gate_runs.
 */
export async function runMonitor(settings: MonitorSettings, io: MonitorIo): Promise<0 | 1 | 2 | 3> {
  const s = settings;
  const store = await openMonitorStore(s.database, s.gates.timeoutMs, { reconnect: s.loop, say: io.say, signal: io.signal });
  try {
    if (io.signal?.aborted) {
      io.say('stopped before the first run');
      return 2;
    }
    // A loop that cannot store (no gate_runs, or an embedded database another process holds: a second monitor
    // in another tmux window) would announce every change a second time and escalate on its own clock.
    if (s.loop && (store.notMigrated || store.busy)) {
      io.say(`configuration error: LOOP=1 stores every verdict, but ${store.notStoredBecause}`);
      return 3;
    }
    // A single run without a database is the plain CI check: storing is not expected there, so no note.
    if (store.notStoredBecause && (s.loop || s.database)) io.say(`verdicts are not stored: ${store.notStoredBecause}`);
    // Without a history a single run cannot tell a change from a repeat: it would announce every cron tick.
    const announce = s.webhookUrl !== null && (s.loop || store.history !== null);
    if (s.webhookUrl && !announce)
      io.say('GATES_WEBHOOK_URL is not used for a single run without stored verdicts (every run would look like a change)');
    if (s.loop)
      io.say(
        `checking every ${s.intervalMs / 1_000} s${s.maxRuns ? `, ${s.maxRuns} run(s)` : ''}; ⚪ for more than ${duration(s.unknownMaxMs)} turns 🔴`,
      );

    const history = store.history;
    // Two monitors on one database (another tmux window, a second host) posted every change each: the
    // database's last announcement decides (migration 998); its lock waits at most a run's deadline.
    const once = announce ? history?.announceOnce : null;
    if (announce && history && !once)
      io.say('gate_announcements is missing (run veza-beta db migrate): a second monitor on this database would post each change again');
    const result = await runGateLoop({
      checkOnce: (signal) => runGates(s.gates, { testers: store.testers, signal, fetch: io.fetch }),
      intervalMs: s.intervalMs,
      unknownMaxMs: s.unknownMaxMs,
      runTimeoutMs: s.runTimeoutMs,
      maxRuns: s.loop ? (s.maxRuns ?? undefined) : 1,
      signal: io.signal,
      loadState: history ? () => history.load() : undefined,
      saveRun: history ? (step) => history.save({ ...step.run, source: io.source ?? 'monitor' }, step.state) : undefined,
      onRun: io.onRun,
      postWebhook: announce ? (payload, _step, signal) => postWebhook(s.webhookUrl!, payload, { fetch: io.fetch, signal }) : undefined,
      announceOnce: once ? (verdict, known, post, signal) => once(verdict, known, post, signal, s.runTimeoutMs) : undefined,
      onProblem: (problem) => io.say(`${problem.stage === 'save' ? 'verdict not stored' : problem.stage}: ${problem.message}`),
    });
    if (result.stoppedBy === 'signal') io.say(`stopped after ${result.runs} run(s); last verdict ${result.last?.run.verdict ?? 'none'}`);
    return result.exitCode;
  } finally {
    const closed = await withDeadline(CLOSE_DEADLINE_MS, () => store.close()).catch(() => null);
    if (closed && !closed.done) io.say(`the database did not close within ${CLOSE_DEADLINE_MS} ms`);
  }
}
