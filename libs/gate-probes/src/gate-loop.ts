import { performance } from 'node:perf_hooks';
import { abortableSleep, deadlineError, withDeadline } from './deadline.js';
import { GatesConfigError } from './errors.js';
import { DEFAULT_UNKNOWN_MAX_MS, escalate } from './escalate.js';
import type { Escalation, EscalationState } from './escalate.js';
import type { GateRun } from './types.js';
import { verdictWebhookPayload } from './webhook-payload.js';
import type { WebhookPayload } from './webhook-payload.js';

export { abortableSleep };

/** Something that went wrong around a run; the loop reports it and carries on. */
export interface GateLoopProblem {
  stage: 'load' | 'output' | 'save' | 'webhook';
  /** safe to print: callers' own messages must not quote a webhook URL or a token */
  message: string;
}

export interface GateLoopOptions {
  /**
   * One check of the six gates. Its signal aborts at the run deadline (the
   * run must then still resolve, with the unfinished gates ⚪ timeout — as
   * runGates does) or when `signal` stops the loop (the run is discarded).
   */
  checkOnce: (signal: AbortSignal) => Promise<GateRun>;
  /** how long a gate may stay ⚪ before it turns 🔴, in milliseconds (default 20 min) */
  unknownMaxMs?: number;
  /**
   * Deadline of one whole run — the gates, showing, storing, the webhook —
   * in milliseconds from its start (default 30 s). Whatever is still pending
   * then is left behind and reported; the run always ends with its verdict.
   */
  runTimeoutMs?: number;
  /** from the start of one run to the start of the next, in milliseconds (a slow run shortens the pause) */
  intervalMs: number;
  /** stop after this many runs (default: until `signal` aborts) */
  maxRuns?: number;
  /** stops the loop: during a pause at once, during a run by aborting it */
  signal?: AbortSignal;
  /** the state stored by a previous process, so ⚪ clocks and the last verdict survive a restart (bounded by runTimeoutMs) */
  loadState?: (signal: AbortSignal) => Promise<EscalationState | null>;
  /** stores each escalated run with the state after it */
  saveRun?: (step: Escalation, signal: AbortSignal) => Promise<void>;
  /** shows each escalated run (print the table, write JUnit …) before it is stored */
  onRun?: (step: Escalation, runNumber: number) => void | Promise<void>;
  /** posts a verdict change; called only when the verdict differs from the previous run's */
  postWebhook?: (payload: WebhookPayload, step: Escalation, signal: AbortSignal) => Promise<{ ok: true } | { ok: false; message: string }>;
  /**
   * Announces once among the monitors sharing a store: given on every run
   * (not only when the verdict differs from this loop's last announcement),
   * it compares the verdict with the last one any of them announced (`known`:
   * this loop's, when none is recorded) and calls `post` with that one only
   * when it differs. `posted: false`: already announced, nothing sent. Without
   * it each loop compares with its own memory, and two monitors both post.
   */
  announceOnce?: (
    verdict: GateRun['verdict'],
    known: EscalationState['verdict'],
    post: (previous: EscalationState['verdict'], signal: AbortSignal) => Promise<{ ok: true } | { ok: false; message: string }>,
    signal: AbortSignal,
  ) => Promise<{ ok: true; posted: boolean } | { ok: false; message: string }>;
  onProblem?: (problem: GateLoopProblem) => void;
  /** the pause, replaceable by tests; must resolve early when the signal aborts */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /**
   * A monotonic clock in milliseconds, for the run deadline and the pause
   * (default performance.now). Not the wall clock: a clock set back by an hour
   * during a run lengthened the pause by that hour, one set forward left
   * nothing of the run deadline to show, store and announce the run.
   */
  now?: () => number;
}

export interface GateLoopResult {
  runs: number;
  /** the last completed run after escalation; null when stopped before the first finished */
  last: Escalation | null;
  /** the exit code to end with: the last run's, or 2 (inconclusive) when no run completed */
  exitCode: 0 | 1 | 2;
  stoppedBy: 'max_runs' | 'signal';
  /** verdict changes announced successfully */
  webhooksPosted: number;
}

/** Default deadline of one whole run: the gates' 10 s, then storing and the webhook (10 s each at most). */
export const DEFAULT_RUN_TIMEOUT_MS = 30_000;

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The monitor loop, with its I/O injected: check → escalate → show → store →
 * announce a verdict change, then pause until the next interval. Every run
 * ends by its deadline (`runTimeoutMs`, a timer the loop holds and clears):
 * gates still probing are ⚪ timeout, and showing, storing or posting still
 * pending are left behind and reported through onProblem; the loop goes on.
 * An unreadable stored state is reported and the loop starts afresh. Used by
 * apps/monitor-worker and `veza-beta gates check` (maxRuns 1 is a single run
 * that still resumes the ⚪ clocks from the store).
 */
export async function runGateLoop(options: GateLoopOptions): Promise<GateLoopResult> {
  const unknownMaxMs = options.unknownMaxMs ?? DEFAULT_UNKNOWN_MAX_MS;
  const runTimeoutMs = options.runTimeoutMs ?? DEFAULT_RUN_TIMEOUT_MS;
  const problems: string[] = [];
  if (!(Number.isFinite(options.intervalMs) && options.intervalMs >= 0)) problems.push('intervalMs must be a number ≥ 0');
  if (options.maxRuns !== undefined && !(Number.isInteger(options.maxRuns) && options.maxRuns >= 1))
    problems.push('maxRuns must be an integer ≥ 1');
  if (!(Number.isFinite(unknownMaxMs) && unknownMaxMs > 0)) problems.push('unknownMaxMs must be a duration > 0');
  if (!(Number.isFinite(runTimeoutMs) && runTimeoutMs > 0)) problems.push('runTimeoutMs must be a duration > 0');
  if (problems.length) throw new GatesConfigError(problems);
  const signal = options.signal ?? new AbortController().signal;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? (() => performance.now());
  const report = (stage: GateLoopProblem['stage'], error: unknown) => options.onProblem?.({ stage, message: message(error) });

  let state: EscalationState | null = null;
  if (options.loadState) {
    const load = options.loadState;
    try {
      const loaded = await withDeadline(runTimeoutMs, (s) => load(s), signal);
      if (!loaded.done && loaded.reason === 'deadline')
        report('load', `stored escalation state not read within ${runTimeoutMs} ms, starting afresh`);
      state = loaded.done ? loaded.value : null;
      // escalate() is where the state is validated: try it on an empty run now rather than fail the first real one
      if (state)
        escalate(
          state,
          { startedAt: new Date(0).toISOString(), finishedAt: '', verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] },
          { unknownMaxMs },
        );
    } catch (error) {
      report('load', `stored escalation state not used, starting afresh: ${message(error)}`);
      state = null;
    }
  }

  const result: GateLoopResult = { runs: 0, last: null, exitCode: 2, stoppedBy: 'signal', webhooksPosted: 0 };
  while (!signal.aborted) {
    const startedAt = now();
    const left = () => Math.max(0, Math.round(runTimeoutMs - (now() - startedAt)));
    // The gates get the whole run deadline; runGates resolves at it with the unfinished gates ⚪.
    const checked = await checkWithin(options.checkOnce, runTimeoutMs, signal);
    if (signal.aborted || !checked.done) {
      if (!signal.aborted) report('output', `the gates did not end by the run deadline (${runTimeoutMs} ms): run discarded`);
      if (signal.aborted) break; // a run cut short says nothing about the gates
      result.runs++;
      result.exitCode = 2;
    } else {
      // The verdict last announced: carried on by every run, changed only by a post that went through.
      const announced = lastAnnounced(state);
      const step = escalate(state, checked.value, { unknownMaxMs });
      state = { ...step.state, announced };
      result.runs++;
      result.last = step;
      result.exitCode = step.run.exitCode;
      await bounded('output', left(), async () => options.onRun?.(step, result.runs), report, signal);
      // A webhook announces the verdict when it differs from the one last announced, not only when it
      // changed since the last run: a one-off check stored in between (no webhook) hid the change.
      // With announceOnce, the last announcement of every monitor of the store decides, not this loop's memory.
      const once = options.announceOnce;
      if (options.postWebhook && (once || step.run.verdict !== announced)) {
        const post = options.postWebhook;
        const send = (previous: EscalationState['verdict'], s: AbortSignal) => post(verdictWebhookPayload(step.run, previous), step, s);
        const announce = once
          ? (s: AbortSignal) => once(step.run.verdict, announced, send, s)
          : async (s: AbortSignal) => {
              const sent = await send(announced, s);
              return sent.ok ? { ok: true as const, posted: true } : sent;
            };
        const posted = await bounded('webhook', left(), announce, report, signal);
        if (posted?.ok) {
          if (posted.posted) result.webhooksPosted++;
          state = { ...state, announced: step.run.verdict };
        } else if (posted) report('webhook', posted.message); // not announced: the next run posts it again
      }
      const stored = { ...step, state };
      // Stored after the post, so that the stored state says whether the change was announced.
      if (options.saveRun) await bounded('save', left(), (s) => options.saveRun!(stored, s), report, signal);
    }
    if (options.maxRuns !== undefined && result.runs >= options.maxRuns) {
      result.stoppedBy = 'max_runs';
      break;
    }
    await sleep(Math.max(0, options.intervalMs - (now() - startedAt)), signal);
  }
  return result;
}

/**
 * The gates with the run deadline as their signal's reason (so unfinished
 * gates say "run deadline"), and a second of grace for runGates to turn them
 * into ⚪ before the run is given up. Both timers are cleared here.
 */
async function checkWithin(checkOnce: GateLoopOptions['checkOnce'], runTimeoutMs: number, stop: AbortSignal) {
  const controller = new AbortController();
  const onStop = () => controller.abort(stop.reason);
  stop.addEventListener('abort', onStop, { once: true });
  const timer = setTimeout(() => controller.abort(deadlineError(`run deadline of ${runTimeoutMs} ms reached`)), runTimeoutMs);
  try {
    return await withDeadline(runTimeoutMs + 1_000, () => checkOnce(controller.signal), stop);
  } finally {
    clearTimeout(timer);
    stop.removeEventListener('abort', onStop);
  }
}

/** One stage of a run within what is left of the run deadline; a failure or a miss is reported, never thrown. */
async function bounded<T>(
  stage: GateLoopProblem['stage'],
  ms: number,
  work: (signal: AbortSignal) => Promise<T>,
  report: (stage: GateLoopProblem['stage'], error: unknown) => void,
  stop: AbortSignal,
): Promise<T | undefined> {
  try {
    const outcome = await withDeadline(ms, work, stop);
    if (!outcome.done && outcome.reason === 'deadline') report(stage, `not done by the run deadline (${ms} ms left): left behind`);
    return outcome.done ? outcome.value : undefined;
  } catch (error) {
    report(stage, error);
    return undefined;
  }
}

/** The verdict a stored state says was announced last (its `verdict` for a state from before `announced`; null for none or garbage). */
function lastAnnounced(state: EscalationState | null): EscalationState['verdict'] {
  if (!state) return null;
  const value: unknown = state.announced !== undefined ? state.announced : state.verdict;
  return value === 'GO' || value === 'NO-GO' || value === 'INCONCLUSIVE' ? value : null;
}
