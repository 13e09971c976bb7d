import { GatesConfigError } from './errors.js';
import { DEFAULT_UNKNOWN_LIMIT, escalate } from './escalate.js';
import type { Escalation, EscalationState } from './escalate.js';
import type { GateRun } from './types.js';
import { verdictWebhookPayload } from './webhook-payload.js';
import type { WebhookPayload } from './webhook-payload.js';

/** Something that went wrong around a run; the loop reports it and carries on. */
export interface GateLoopProblem {
  stage: 'load' | 'save' | 'webhook';
  /** safe to print: callers' own messages must not quote a webhook URL or a token */
  message: string;
}

export interface GateLoopOptions {
  /** one check of the six gates; aborted (and its run discarded) when `signal` aborts */
  checkOnce: (signal: AbortSignal) => Promise<GateRun>;
  /** consecutive ⚪ runs after which a gate turns 🔴 (default 4 runs) */
  unknownLimit?: number;
  /** from the start of one run to the start of the next, in milliseconds (a slow run shortens the pause) */
  intervalMs: number;
  /** stop after this many runs (default: until `signal` aborts) */
  maxRuns?: number;
  /** stops the loop: during a pause at once, during a run by aborting it */
  signal?: AbortSignal;
  /** the state stored by a previous process, so streaks and the last verdict survive a restart */
  loadState?: () => Promise<EscalationState | null>;
  /** stores each escalated run with the state after it */
  saveRun?: (step: Escalation) => Promise<void>;
  /** shows each escalated run (print the table, write JUnit …) before it is stored */
  onRun?: (step: Escalation, runNumber: number) => void | Promise<void>;
  /** posts a verdict change; called only when the verdict differs from the previous run's */
  postWebhook?: (payload: WebhookPayload, step: Escalation) => Promise<{ ok: true } | { ok: false; message: string }>;
  onProblem?: (problem: GateLoopProblem) => void;
  /** the pause, replaceable by tests; must resolve early when the signal aborts */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
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

/** A pause that ends early (without throwing) when the signal aborts. */
export function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * The monitor loop, with its I/O injected: check → escalate → show → store →
 * announce a verdict change, then pause until the next interval. A failing
 * store or webhook is reported through onProblem and the loop goes on; an
 * unreadable stored state is reported and the loop starts afresh. Used by
 * apps/monitor-worker and `veza-beta gates check` with LOOP=1 (maxRuns 1 is
 * a single run that still resumes streaks from the store).
 */
export async function runGateLoop(options: GateLoopOptions): Promise<GateLoopResult> {
  const unknownLimit = options.unknownLimit ?? DEFAULT_UNKNOWN_LIMIT;
  const problems: string[] = [];
  if (!(Number.isFinite(options.intervalMs) && options.intervalMs >= 0)) problems.push('intervalMs must be a number ≥ 0');
  if (options.maxRuns !== undefined && !(Number.isInteger(options.maxRuns) && options.maxRuns >= 1)) problems.push('maxRuns must be an integer ≥ 1');
  if (!(Number.isInteger(unknownLimit) && unknownLimit >= 1)) problems.push('unknownLimit must be an integer ≥ 1');
  if (problems.length) throw new GatesConfigError(problems);
  const signal = options.signal ?? new AbortController().signal;
  const sleep = options.sleep ?? abortableSleep;
  const now = options.now ?? Date.now;
  const report = (stage: GateLoopProblem['stage'], error: unknown) => options.onProblem?.({ stage, message: message(error) });

  let state: EscalationState | null = null;
  if (options.loadState) {
    try {
      state = await options.loadState();
      // escalate() is where the state is validated: try it on an empty run now rather than fail the first real one
      if (state) escalate(state, { startedAt: '', finishedAt: '', verdict: 'INCONCLUSIVE', exitCode: 2, gates: [] }, { unknownLimit });
    } catch (error) {
      report('load', `stored escalation state not used, starting afresh: ${message(error)}`);
      state = null;
    }
  }

  const result: GateLoopResult = { runs: 0, last: null, exitCode: 2, stoppedBy: 'signal', webhooksPosted: 0 };
  while (!signal.aborted) {
    const startedAt = now();
    const run = await options.checkOnce(signal);
    if (signal.aborted) break; // a run cut short says nothing about the gates
    const step = escalate(state, run, { unknownLimit });
    state = step.state;
    result.runs++;
    result.last = step;
    result.exitCode = step.run.exitCode;
    await options.onRun?.(step, result.runs);
    if (options.saveRun) await options.saveRun(step).catch((error: unknown) => report('save', error));
    if (step.verdictChanged && options.postWebhook) {
      const posted = await options.postWebhook(verdictWebhookPayload(step.run, step.previousVerdict), step).catch((error: unknown) => ({ ok: false as const, message: message(error) }));
      if (posted.ok) result.webhooksPosted++;
      else report('webhook', posted.message);
    }
    if (options.maxRuns !== undefined && result.runs >= options.maxRuns) {
      result.stoppedBy = 'max_runs';
      break;
    }
    await sleep(Math.max(0, options.intervalMs - (now() - startedAt)), signal);
  }
  return result;
}
