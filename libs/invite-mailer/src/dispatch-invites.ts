import { clearUnknownClaims, dispatchStep, releaseSendClaim, releaseUntriedClaims, sendStates } from '@veza/invites-db';
import type { Connection, Database, SendClaim, SendState } from '@veza/invites-db';
import { InvalidOptionError } from './errors.js';
import type { MailEvent, MailEventListener } from './events.js';
import { failureStreak } from './failure-streak.js';
import { rateLimiter } from './rate-limiter.js';
import { sendOptions } from './send-options.js';
import type { SendOptions } from './send-options.js';
import { sendWithRetry } from './send-with-retry.js';
import type { SendResult, Transport } from './transport.js';
import { liveClaimers } from './live-claimers.js';
import { newWorkerId } from './worker-id.js';

/**
 * One prepared invite email: its id in beta_invites, its recipient, and how to
 * read its .eml. `eml` is called once the invite is claimed, with the digest of
 * its code at the claim (it cannot change until the send is recorded) and the
 * claimer (this run's id, `claimedBy` in its events): throw to refuse a file
 * whose code is not that one (a failure, not a send: the claim is given back).
 * It is the last step before the send: what it returns goes to the transport
 * at once, so a record written there ("handed to the mailer") lists every email
 * that may have gone out.
 */
export interface DispatchItem {
  inviteId: string;
  email: string;
  cohort: string;
  eml(claim: { codeDigest: string; claimedBy: string }): Buffer | Promise<Buffer>;
}

export interface DispatchOptions extends Partial<SendOptions> {
  /** envelope sender (MAIL FROM) */
  from: string;
  /** emails in flight at once (1) */
  concurrency?: number;
  onEvent?: MailEventListener;
  /**
   * Stops the dispatch gracefully once aborted (an operator's Ctrl-C): no new
   * email is started, the ones in flight end and are recorded, the claims not
   * yet tried are given back. The summary's `interrupted` says how many were
   * left unsent.
   */
  signal?: AbortSignal;
  /**
   * Called once with this run's claimer id (`send_claimed_by`, as `eml()` is told it), once its lock is
   * held and before it claims anything: a record kept there names the run before any claim of it
   * exists, so that a crash at any point leaves claims a later run can tie to that record (the CLI
   * writes dispatch.log's `started` line). Throw to stop: nothing is claimed, the error is the
   * dispatch's.
   */
  beforeClaims?(claimedBy: string): void | Promise<void>;
}

export interface DispatchSummary {
  total: number;
  sent: number;
  failed: { inviteId: string; email: string; response: string }[];
  alreadySent: number;
  /**
   * claimed with no recorded outcome: by an earlier run that died mid-send, or in
   * this run by a send whose mailer was killed after it had the message (`reason`)
   */
  unknown: { inviteId: string; email: string; claimedBy: string | null; claimedAt: string | null; reason?: string }[];
  skipped: { inviteId: string; email: string; reason: string }[];
  /** never sent and past expires_at: not emailed (a code that no longer works) */
  expired: { inviteId: string; email: string; cohort: string }[];
  /** set when dispatch stopped early because the same failure kept coming back (a broken mail transport) */
  stopped: { failures: number; response: string; notTried: number } | null;
  /** set when `signal` stopped the dispatch: the emails not tried, still unsent (ready for the next run) */
  interrupted: { notTried: number } | null;
  /**
   * set when this dispatcher lost its database lock while it ran (the server restarted, the session was
   * ended or cut): other dispatchers would take its claims for a crash's, so it stopped at once, as a
   * graceful stop does (the emails in flight ended and were recorded, the claims not tried given back).
   * `notTried`: the emails not tried, still unsent (ready for the next run). Never set on PGlite.
   */
  lockLost: { notTried: number } | null;
  /**
   * claimed by another dispatcher that is still running and not recorded as
   * sent when this one ended: neither sent nor failed as far as this run
   * knows (the other run's summary says what became of them)
   */
  elsewhere: { inviteId: string; email: string; claimedBy: string | null }[];
  /**
   * sent by this run (counted in `sent`) although revoked while the email was
   * being sent: it went out, with a code that no longer works. An invite revoked
   * before its send started is not sent (`skipped`, reason revoked).
   */
  sentRevoked: { inviteId: string; email: string }[];
}

/** invites looked at per claim query, at most */
const CLAIM_WINDOW = 200;
/**
 * A claim not looked at again for this long is rechecked (with every claim held) just before its
 * send: an invite revoked, redeemed or expired more than about this long before its send is not sent.
 */
export const RECHECK_AFTER_MS = 1_000;

/**
 * Sends every given invite email that has not been sent. Each email is claimed
 * in the database just before its send (FOR UPDATE SKIP LOCKED), so two
 * dispatchers never send one invite twice; this dispatcher holds a lock while
 * it runs, so others see its claims as in flight. A crash leaves at most the
 * emails then in flight as "outcome unknown": reported, and resent only with
 * `resendUnknown`. Expired, revoked and used invites are never emailed.
 */
export async function dispatchInvites(
  conn: Connection,
  items: readonly DispatchItem[],
  transport: Transport,
  options: DispatchOptions,
): Promise<DispatchSummary> {
  const send = sendOptions(options);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1)
    throw new InvalidOptionError('concurrency', 'a whole number of emails in flight, 1 or more');
  const worker = newWorkerId();
  // The lock is this run's liveness to every other dispatcher: once its session is gone they read this
  // run's claims as a dead run's (unknown, resent by --resend-unknown), so nothing more is claimed or sent.
  const lock = { lost: false };
  const release = await conn.holdLock(worker, { onLost: () => void (lock.lost = true) });
  try {
    await options.beforeClaims?.(worker);
    return await dispatchAs(conn.db, worker, items, transport, {
      ...send,
      concurrency,
      from: options.from,
      onEvent: options.onEvent ?? (() => undefined),
      signal: options.signal,
      lock,
    });
  } finally {
    await release();
  }
}

interface Run extends SendOptions {
  concurrency: number;
  from: string;
  onEvent: MailEventListener;
  signal: AbortSignal | undefined;
  /** set by holdLock's onLost: this run's lock is gone */
  lock: { readonly lost: boolean };
}

async function dispatchAs(
  db: Database,
  worker: string,
  items: readonly DispatchItem[],
  transport: Transport,
  run: Run,
): Promise<DispatchSummary> {
  const byId = new Map(items.map((item) => [item.inviteId, item]));
  const summary: DispatchSummary = {
    total: byId.size,
    sent: 0,
    failed: [],
    alreadySent: 0,
    unknown: [],
    skipped: [],
    expired: [],
    stopped: null,
    interrupted: null,
    lockLost: null,
    elsewhere: [],
    sentRevoked: [],
  };
  let done = 0;
  const emit = (type: MailEvent['type'], item: DispatchItem, detail: string, claimedBy?: string) =>
    run.onEvent({
      type,
      id: item.inviteId,
      email: item.email,
      detail,
      ...(claimedBy ? { claimedBy } : {}),
      done: ++done,
      total: summary.total,
    });

  const states = await sendStates(db, [...byId.keys()]);
  const alive = await liveClaimers(
    db,
    states.filter((s) => s.state === 'claimed'),
  );
  const inFlightElsewhere = (s: SendState) => s.state === 'claimed' && alive.get(s.claimedBy ?? '') === true;
  if (run.resendUnknown)
    await clearUnknownClaims(
      db,
      states.filter((s) => s.state === 'claimed' && !inFlightElsewhere(s)).map((s) => s.id),
    );
  const pending = new Set<string>();
  const takenElsewhere = new Set<string>();
  for (const state of states) {
    const item = byId.get(state.id)!;
    if (state.state === 'sent') {
      summary.alreadySent++;
      done++;
    } else if (state.state === 'expired') {
      summary.expired.push({ inviteId: state.id, email: item.email, cohort: item.cohort });
      emit('expired', item, 'invite expired before it was sent; not emailed (its code no longer works)');
    } else if (inFlightElsewhere(state))
      takenElsewhere.add(state.id); // another dispatcher is sending it now: looked at again at the end
    else if (state.state === 'ready' || (state.state === 'claimed' && run.resendUnknown)) pending.add(state.id);
    else if (state.state === 'claimed') {
      summary.unknown.push({
        inviteId: state.id,
        email: item.email,
        claimedBy: state.claimedBy,
        claimedAt: state.claimedAt?.toISOString() ?? null,
      });
      emit(
        'unknown',
        item,
        `claimed by ${state.claimedBy ?? '?'} at ${state.claimedAt?.toISOString() ?? '?'} with no recorded outcome; not resent (use --resend-unknown)`,
      );
    } else {
      summary.skipped.push({ inviteId: state.id, email: item.email, reason: state.state });
      emit('skipped', item, `invite is ${state.state}`);
    }
  }

  // Claims come in batches, by one statement that also records as sent every
  // email the transport accepted since the previous one, and looks again at
  // the claims held (dispatchStep): one round trip per batch instead of two per email. With one email in
  // flight at a time, a batch is that one email and nothing is claimed ahead.
  // With `concurrency` > 1, a batch is 4 × concurrency and the next one is
  // claimed as soon as fewer than 2 × concurrency are left, so that no worker
  // waits for the database (a claim takes milliseconds on a busy machine).
  // Claimed but not yet recorded, at any moment: at most 1 with concurrency 1,
  // at most 7 × concurrency − 1 otherwise (DECISIONS.md, "Dispatch claims and
  // records in batches"): that bounds what a crash can leave "unknown".
  const queue = [...pending];
  const claimAhead = run.concurrency > 1;
  const batch = claimAhead ? 4 * run.concurrency : 1;
  const lowWater = 2 * run.concurrency;
  // the database checks every id it is given: a window a few batches wide
  const windowSize = Math.min(CLAIM_WINDOW, 2 * batch + 6);
  let cursor = 0;
  /** claimed, not yet tried, each with its code's digest as the claim found it */
  const claimed: SendClaim[] = [];
  /** when each claim held was claimed, or last found still sendable by a recheck (performance.now) */
  const checkedAt = new Map<string, number>();
  let accepted: string[] = [];
  /**
   * Records the accepted sends and claims up to `limit` of `window`, in one statement that also
   * looks again at the claims not tried yet: one revoked, redeemed or expired since its claim is
   * given back and not sent (an operator's revoke lands between a claim ahead and its send).
   */
  const recordAndClaim = async (window: string[], limit: number): Promise<SendClaim[]> => {
    const record = accepted;
    accepted = [];
    const recheckIds = claimed.map((c) => c.id);
    const issuedAt = performance.now();
    let step;
    try {
      step = await dispatchStep(db, { sentIds: record, claimIds: window, recheckIds, worker, limit });
    } catch (error) {
      accepted = [...record, ...accepted];
      throw error;
    }
    // the claims rechecked and not dropped were still sendable when the statement began
    for (const id of recheckIds) if (checkedAt.has(id)) checkedAt.set(id, issuedAt);
    for (const claim of step.claims) checkedAt.set(claim.id, issuedAt);
    for (const id of step.sentRevoked) summary.sentRevoked.push({ inviteId: id, email: byId.get(id)!.email });
    for (const { id, state } of step.dropped) {
      const at = claimed.findIndex((c) => c.id === id);
      if (at < 0) continue; // started while the statement ran: its send is recorded as sent, and then said revoked
      claimed.splice(at, 1);
      checkedAt.delete(id);
      const item = byId.get(id)!;
      if (state === 'expired') {
        summary.expired.push({ inviteId: id, email: item.email, cohort: item.cohort });
        emit('expired', item, 'invite expired before it was sent; not emailed (its code no longer works)');
      } else {
        summary.skipped.push({ inviteId: id, email: item.email, reason: state });
        emit('skipped', item, `invite is ${state}`);
      }
    }
    return step.claims;
  };
  /** Claims one batch (recording the accepted sends), moving past windows with nothing left to claim. */
  const refillOnce = async (): Promise<void> => {
    while (cursor < queue.length) {
      // past the ids claimed already: a window that moved only once it had nothing left to claim
      // held fewer and fewer ids (batches of 16, 16, then 6 at concurrency 4), a quarter more round
      // trips, and every third batch too small to cover the next one
      while (cursor < queue.length && !pending.has(queue[cursor]!)) cursor++;
      const start = cursor;
      const window = queue.slice(start, start + windowSize).filter((id) => pending.has(id));
      const got = window.length > 0 ? await recordAndClaim(window, batch) : [];
      for (const claim of got) {
        pending.delete(claim.id);
        claimed.push(claim);
      }
      if (got.length > 0) return;
      // nothing left to claim in this window: the rest was taken by another dispatcher
      for (const taken of window) {
        pending.delete(taken);
        takenElsewhere.add(taken);
      }
      cursor = Math.max(cursor, start + windowSize);
    }
  };
  let refilling: Promise<void> | undefined;
  let refillError: { error: unknown } | undefined;
  const startRefill = () => {
    if (refilling || refillError || cursor >= queue.length || streak.tripped() || run.lock.lost) return;
    refilling = refillOnce()
      .catch((error: unknown) => void (refillError = { error }))
      .finally(() => (refilling = undefined));
  };
  const nextClaim = async (): Promise<SendClaim | undefined> => {
    if (run.signal?.aborted || run.lock.lost) return undefined;
    while (claimed.length === 0) {
      if (refillError) throw refillError.error;
      if (streak.tripped()) return undefined;
      startRefill();
      if (!refilling) return undefined; // nothing left to claim
      await refilling;
    }
    if (streak.tripped() || run.lock.lost) return undefined;
    const claim = claimed.shift();
    if (claimAhead && claimed.length < lowWater) startRefill();
    return claim;
  };

  const waitForSlot = rateLimiter(run.rate);
  const streak = failureStreak(run.failFastAfter);
  /**
   * Just before a send: a claim not looked at for RECHECK_AFTER_MS (held ahead at a low rate, the
   * last batch, a long slot wait) is rechecked with every claim held, recording the accepted sends
   * in the same statement. False when it was revoked, redeemed, expired or deleted meanwhile: given back,
   * reported, not sent. (Before, claims ahead were rechecked only with a refill: the last batch
   * never, so a revoke landing while it waited was sent all the same.)
   */
  const stillSendable = async (claim: SendClaim): Promise<boolean> => {
    if (performance.now() - (checkedAt.get(claim.id) ?? -Infinity) < RECHECK_AFTER_MS) return true;
    claimed.unshift(claim); // among the claims held while the statement runs, so that a drop is handled as theirs
    await recordAndClaim([], 0);
    const at = claimed.findIndex((c) => c.id === claim.id);
    if (at < 0) return false; // dropped (reported), or taken by another worker of this run meanwhile, which sends it
    claimed.splice(at, 1);
    return true;
  };
  const work = async () => {
    // the claim, then the slot, then the send: the send before is recorded with the next claim, so a
    // crash during a slot wait leaves unknown an email not sent yet (waiting first left the one just
    // sent claimed, unknown, and resent by --resend-unknown)
    for (let claim = streak.tripped() ? undefined : await nextClaim(); claim; claim = streak.tripped() ? undefined : await nextClaim()) {
      await waitForSlot();
      // the lock lost (before the slot, or during the recheck): not tried, given back below, as every claim held
      if (run.lock.lost) {
        claimed.unshift(claim);
        continue;
      }
      if (streak.tripped() || !(await stillSendable(claim))) {
        if (streak.tripped() && claimed.every((c) => c.id !== claim.id)) claimed.unshift(claim); // not tried: given back below
        continue;
      }
      if (run.lock.lost) {
        claimed.unshift(claim);
        continue;
      }
      const { id, codeDigest } = claim;
      checkedAt.delete(id);
      const item = byId.get(id)!;
      let result: SendResult;
      try {
        result = await sendWithRetry(transport, await item.eml({ codeDigest, claimedBy: worker }), { from: run.from, to: item.email }, run);
      } catch (error) {
        result = { ok: false, temporary: false, response: (error as Error).message };
      }
      if (result.ok) {
        accepted.push(id); // recorded with the next claim, or at the end
        summary.sent++;
      } else if (result.unknown) {
        // The mailer had the whole message and was killed: it may have sent it. The claim
        // stays, as after a crash: once this run ends, it is "unknown" to every dispatcher.
        summary.unknown.push({
          inviteId: id,
          email: item.email,
          claimedBy: worker,
          claimedAt: new Date().toISOString(),
          reason: result.response,
        });
      } else {
        await releaseSendClaim(db, id, result.response);
        summary.failed.push({ inviteId: id, email: item.email, response: result.response });
      }
      streak.record(result, item.email);
      emit(result.ok ? 'sent' : result.unknown ? 'unknown' : 'failed', item, result.response, worker);
    }
  };
  await Promise.all(Array.from({ length: run.concurrency }, work));
  await refilling;
  if (refillError) throw refillError.error;
  // Record the last sends; claims taken but never tried (a stop) are given back, ready again.
  while (accepted.length > 0) await recordAndClaim([], 0);
  const untried = claimed.splice(0).map((claim) => claim.id);
  if (untried.length > 0) await releaseUntriedClaims(db, untried, worker);
  if (streak.tripped())
    summary.stopped = { failures: run.failFastAfter, response: streak.response(), notTried: pending.size + untried.length };
  else if (run.lock.lost) summary.lockLost = { notTried: pending.size + untried.length };
  else if (run.signal?.aborted && pending.size + untried.length > 0) summary.interrupted = { notTried: pending.size + untried.length };
  await settleTakenElsewhere(db, takenElsewhere, byId, summary, emit);
  return summary;
}

/**
 * What became of the emails this run could not claim, as far as the database
 * says now: recorded as sent counts as already sent; revoked, redeemed,
 * expired or deleted meanwhile is skipped or expired, as if it had been so at
 * the start (it was reported as held by another dispatcher, exit 1); anything
 * else (still in flight at another dispatcher, failed there, given back) is
 * `elsewhere`, never a success of this run.
 */
async function settleTakenElsewhere(
  db: Database,
  ids: ReadonlySet<string>,
  byId: ReadonlyMap<string, DispatchItem>,
  summary: DispatchSummary,
  emit: (type: MailEvent['type'], item: DispatchItem, detail: string) => void,
): Promise<void> {
  if (ids.size === 0) return;
  for (const state of await sendStates(db, [...ids])) {
    const item = byId.get(state.id)!;
    if (state.state === 'sent') summary.alreadySent++;
    // revoked, redeemed, expired or deleted before this run could claim it: not another dispatcher's
    else if (state.state === 'expired') {
      summary.expired.push({ inviteId: state.id, email: item.email, cohort: item.cohort });
      emit('expired', item, 'invite expired before it was sent; not emailed (its code no longer works)');
    } else if (state.state === 'revoked' || state.state === 'used' || state.state === 'missing') {
      summary.skipped.push({ inviteId: state.id, email: item.email, reason: state.state });
      emit('skipped', item, `invite is ${state.state}`);
    }
    // claimed by another dispatcher (still running, or gone), or given back unsent (claimedBy null)
    else summary.elsewhere.push({ inviteId: state.id, email: item.email, claimedBy: state.claimedBy });
  }
}
