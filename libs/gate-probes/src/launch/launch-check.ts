import { ProbeContext, ProbeProblem, timeoutOf, withinBudget } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { redactUrl, scrubSecrets } from '../redact.js';
import type { UnknownReason } from '../types.js';

/**
 * One launch-day check (preflight --phase): ✅ pass, 🔴 fail, ⚪ unknown with a
 * reason, or not_configured naming the setting that enables it. Only pass is green.
 */
export type LaunchState = 'pass' | 'fail' | 'unknown' | 'not_configured';

export interface LaunchCheck {
  title: string;
  state: LaunchState;
  reason: UnknownReason | null;
  summary: string;
  /** where the answer came from (URL without secrets, or the command) */
  source: string | null;
}

/** What a check body concludes. */
export interface LaunchObservation {
  state: 'pass' | 'fail' | 'unknown';
  reason?: UnknownReason;
  summary: string;
}

export function notConfiguredCheck(title: string, setting: string): LaunchCheck {
  return { title, state: 'not_configured', reason: 'not_configured', summary: `not checked (set ${setting})`, source: null };
}

/**
 * Runs a check body inside a budget held by ProbeContext's own timer (cleared
 * when the check ends): a ProbeProblem or the deadline is ⚪ with its reason,
 * anything unexpected ⚪ unavailable. Every secret is scrubbed from the result.
 */
export async function runLaunchCheck(
  title: string,
  options: ProbeOptions & { secrets?: readonly string[] },
  body: (ctx: ProbeContext) => Promise<LaunchObservation>,
): Promise<LaunchCheck> {
  const ctx = new ProbeContext(options);
  let observation: LaunchObservation;
  try {
    observation = await withinBudget(ctx, body);
  } catch (error) {
    const timedOut = timeoutOf(error, ctx.signal) !== null;
    if (error instanceof ProbeProblem) observation = { state: 'unknown', reason: error.reason, summary: error.message };
    else if (timedOut) observation = { state: 'unknown', reason: 'timeout', summary: `no answer within ${ctx.timeoutMs} ms` };
    else
      observation = {
        state: 'unknown',
        reason: 'unavailable',
        summary: `check error: ${redactUrl(error instanceof Error ? error.message : String(error))}`,
      };
  } finally {
    ctx.dispose();
  }
  const result: LaunchCheck = {
    title,
    state: observation.state,
    reason: observation.state === 'unknown' ? (observation.reason ?? 'no_data') : null,
    summary: observation.summary,
    source: ctx.source,
  };
  return scrubSecrets(result, options.secrets ?? []);
}

/** A check decided without any I/O (a rule over data the caller read). */
export function decidedCheck(title: string, observation: LaunchObservation, source: string | null = null): LaunchCheck {
  return {
    title,
    state: observation.state,
    reason: observation.state === 'unknown' ? (observation.reason ?? 'no_data') : null,
    summary: observation.summary,
    source,
  };
}
