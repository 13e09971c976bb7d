import { decidedCheck } from './launch-check.js';
import type { LaunchCheck } from './launch-check.js';

/**
 * The launch-day rules over what the caller read from the database (this
 * lib does not query it): each takes plain values and returns the check.
 */
export const MONITOR_TITLE = 'Gate monitor running (newest stored run < 2 × CHECK_INTERVAL old)';
export const DISPATCH_TITLE = 'Last dispatch: 0 failed, 0 unknown';
export const REDEMPTION_TITLE = 'First sign-up landed (≥ 1 redemption)';
export const DECISION_RECORDED_TITLE = 'Decision recorded today';

/** How far in the future a stored run may end and still be read as a clock difference between two hosts. */
const MONITOR_FUTURE_TOLERANCE_S = 300;

/**
 * The monitor is running when its newest run finished less than 2 × CHECK_INTERVAL ago.
 * A run that finished in the future (more than 5 min) says only that a clock is
 * wrong: ⚪, never "finished -15881327 s ago" ✅ (it stayed green for as long
 * as the monitor was down).
 */
export function monitorFreshCheck(newestFinishedAt: Date | null, intervalSeconds: number, now: Date = new Date()): LaunchCheck {
  if (!newestFinishedAt)
    return decidedCheck(MONITOR_TITLE, {
      state: 'fail',
      summary: 'no gate run stored by the monitor (a one-off gates check or decision report does not count)',
    });
  const ageMs = now.getTime() - newestFinishedAt.getTime();
  const limit = 2 * intervalSeconds;
  if (ageMs < -MONITOR_FUTURE_TOLERANCE_S * 1000)
    return decidedCheck(MONITOR_TITLE, {
      state: 'unknown',
      reason: 'parse',
      summary: `newest run finished at ${newestFinishedAt.toISOString()}, ${Math.round(-ageMs / 1000)} s in the future: the monitor's clock or this one is wrong, so whether the monitor runs cannot be told`,
    });
  // Judged on the exact age, the whole seconds shown on its side of the limit: rounded first, a run
  // 599.6 s old read as 600 s and failed a 600 s limit.
  const fresh = ageMs < limit * 1000;
  const ageS = fresh ? Math.floor(ageMs / 1000) : Math.ceil(ageMs / 1000);
  const shown = `newest run finished ${ageS} s ago (limit ${limit} s = 2 × CHECK_INTERVAL ${intervalSeconds} s)`;
  return decidedCheck(
    MONITOR_TITLE,
    fresh ? { state: 'pass', summary: shown } : { state: 'fail', summary: `${shown}: the monitor is not running` },
  );
}

export interface DispatchCounts {
  /** invites a dispatch has tried (send_attempts > 0 or sent) */
  attempted: number;
  sent: number;
  /** tried, not sent, not claimed: the last error stands */
  failed: number;
  /** claimed, never confirmed: a crash in the middle of a send */
  unknown: number;
}

export function lastDispatchCheck(counts: DispatchCounts): LaunchCheck {
  if (counts.attempted === 0)
    return {
      title: DISPATCH_TITLE,
      state: 'not_configured',
      reason: 'not_configured',
      summary: 'not checked (no dispatch yet: run veza-beta invites dispatch)',
      source: null,
    };
  const shown = `${counts.sent} sent, ${counts.failed} failed, ${counts.unknown} unknown of ${counts.attempted} tried`;
  // A rerun retries the failed ones and gives back what a crash left untried; the unknown ones it still lists
  // were with the mailer: only the relay's log says whether they left (the rerun alone left the item 🔴 for good).
  const unknown =
    counts.unknown > 0
      ? "; those it still lists as unknown were with the mailer: check the relay's log, then rerun with --resend-unknown for the ones that never left (or revoke them)"
      : '';
  return decidedCheck(
    DISPATCH_TITLE,
    counts.failed === 0 && counts.unknown === 0
      ? { state: 'pass', summary: shown }
      : { state: 'fail', summary: `${shown}: see dispatch.log, rerun veza-beta invites dispatch${unknown}` },
  );
}

/**
 * Where the launch-day counts start, and what that moment is (said beside
 * each figure): BETA_START, else the first invitation email sent (a test send
 * days before included, which is why BETA_START is asked for).
 */
export interface LaunchStart {
  at: Date;
  what: string;
}

/** "since <at> (<what>)", or what an all-time figure covers. */
export function launchWindowText(since: LaunchStart | null): string {
  return since ? `since ${since.at.toISOString()} (${since.what})` : 'all time: nothing sent yet and no BETA_START';
}

/** Hour 1: at least one redemption, counted by the caller from `since` (LaunchStart) when there is one. */
export function firstRedemptionCheck(redeemed: number, since: LaunchStart | null = null): LaunchCheck {
  const window = launchWindowText(since);
  return decidedCheck(
    REDEMPTION_TITLE,
    redeemed >= 1
      ? { state: 'pass', summary: `${redeemed} redeemed ${window}` }
      : { state: 'fail', summary: `0 redeemed ${window}: check the link in a sent email and the redemption-api` },
  );
}

/**
 * YYYY-MM-DD of `date` on this machine's clock, as the shell scripts' `date +%F`:
 * the operator's day, which names the CLI's dated folders (out-<date>/,
 * decision-<date>/) and is the "today" of the decision phase.
 */
export function localDay(date: Date = new Date()): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

/**
 * The decision phase: a decision stored with a decided_at on today's date, on
 * this machine's clock (as the report folder's), and taken on the newest
 * decision report's figures. A decision links the newest gate run stored when
 * it was recorded (`gateRunId`), and `decision report` stores its own run
 * (`newestReportRunId`): a decision whose run is older than that report's was
 * recorded before it (one recorded in the morning, before the data it was to
 * judge existed, ticked the item all day). Run ids are in insertion order,
 * whatever the clocks of the machines that stored them.
 */
export function decisionRecordedCheck(
  latest: { decision: string; decidedAt: Date; gateRunId?: number | null } | null,
  now: Date = new Date(),
  newestReportRunId: number | null = null,
): LaunchCheck {
  const today = localDay(now);
  if (latest && localDay(latest.decidedAt) === today) {
    const shown = `${latest.decision} at ${latest.decidedAt.toISOString()}`;
    if (newestReportRunId !== null && (latest.gateRunId ?? 0) < newestReportRunId)
      return decidedCheck(DECISION_RECORDED_TITLE, {
        state: 'fail',
        summary: `the newest decision (${shown}) was recorded before the newest decision report (its gate run #${newestReportRunId}): it did not judge those figures; record the call's decision after reading the report: veza-beta decision record GO|NO-GO --note …`,
      });
    return decidedCheck(DECISION_RECORDED_TITLE, { state: 'pass', summary: shown });
  }
  return decidedCheck(DECISION_RECORDED_TITLE, {
    state: 'fail',
    summary: `no decision recorded on ${today}: veza-beta decision record GO|NO-GO --note …`,
  });
}
