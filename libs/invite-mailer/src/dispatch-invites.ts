import { claimInvitesForSend, clearUnknownClaims, isDispatcherAlive, markInviteSent, releaseSendClaim, sendStates } from '@veza/invites-db';
import type { Connection, Database, SendState } from '@veza/invites-db';
import { InvalidOptionError } from './errors.js';
import type { MailEvent, MailEventListener } from './events.js';
import { failureStreak } from './failure-streak.js';
import { rateLimiter } from './rate-limiter.js';
import { sendOptions } from './send-options.js';
import type { SendOptions } from './send-options.js';
import { sendWithRetry } from './send-with-retry.js';
import type { SendResult, Transport } from './transport.js';
import { newWorkerId } from './worker-id.js';

/** One prepared invite email: its id in beta_invites, its recipient, and how to read its .eml. */
export interface DispatchItem {
  inviteId: string;
  email: string;
  cohort: string;
  eml(): Buffer | Promise<Buffer>;
}

export interface DispatchOptions extends Partial<SendOptions> {
  /** envelope sender (MAIL FROM) */
  from: string;
  /** emails in flight at once (1) */
  concurrency?: number;
  onEvent?: MailEventListener;
}

export interface DispatchSummary {
  total: number;
  sent: number;
  failed: { inviteId: string; email: string; response: string }[];
  alreadySent: number;
  /** claimed by an earlier run (or another machine) with no recorded outcome */
  unknown: { inviteId: string; email: string; claimedBy: string | null; claimedAt: string | null }[];
  skipped: { inviteId: string; email: string; reason: string }[];
  /** never sent and past expires_at: not emailed (a code that no longer works) */
  expired: { inviteId: string; email: string; cohort: string }[];
  /** set when dispatch stopped early because the same failure kept coming back (a broken mail transport) */
  stopped: { failures: number; response: string; notTried: number } | null;
}

/** invites looked at per claim query */
const CLAIM_WINDOW = 200;

/**
 * Sends every given invite email that has not been sent. Each email is claimed
 * in the database just before its send (FOR UPDATE SKIP LOCKED), so two
 * dispatchers never send one invite twice; this dispatcher holds a lock while
 * it runs, so others see its claims as in flight. A crash leaves at most the
 * emails then in flight as "outcome unknown": reported, and resent only with
 * `resendUnknown`. Expired, revoked and used invites are never emailed.
 */
export async function dispatchInvites(conn: Connection, items: readonly DispatchItem[], transport: Transport, options: DispatchOptions): Promise<DispatchSummary> {
  const send = sendOptions(options);
  const concurrency = options.concurrency ?? 1;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new InvalidOptionError('concurrency', 'a whole number of emails in flight, 1 or more');
  const worker = newWorkerId();
  const release = await conn.holdLock(worker);
  try {
    return await dispatchAs(conn.db, worker, items, transport, { ...send, concurrency, from: options.from, onEvent: options.onEvent ?? (() => undefined) });
  } finally {
    await release();
  }
}

interface Run extends SendOptions {
  concurrency: number;
  from: string;
  onEvent: MailEventListener;
}

/** Which of the claimed invites are being sent right now by a live dispatcher. */
async function liveClaimers(db: Database, states: SendState[]): Promise<Map<string, boolean>> {
  const alive = new Map<string, boolean>();
  for (const state of states) {
    if (state.state !== 'claimed' || alive.has(state.claimedBy ?? '')) continue;
    alive.set(state.claimedBy ?? '', state.claimedBy ? await isDispatcherAlive(db, state.claimedBy) : false);
  }
  return alive;
}

async function dispatchAs(db: Database, worker: string, items: readonly DispatchItem[], transport: Transport, run: Run): Promise<DispatchSummary> {
  const byId = new Map(items.map((item) => [item.inviteId, item]));
  const summary: DispatchSummary = { total: byId.size, sent: 0, failed: [], alreadySent: 0, unknown: [], skipped: [], expired: [], stopped: null };
  let done = 0;
  const emit = (type: MailEvent['type'], item: DispatchItem, detail: string) => run.onEvent({ type, id: item.inviteId, email: item.email, detail, done: ++done, total: summary.total });

  const states = await sendStates(db, [...byId.keys()]);
  const alive = await liveClaimers(db, states);
  const inFlightElsewhere = (s: SendState) => s.state === 'claimed' && alive.get(s.claimedBy ?? '') === true;
  if (run.resendUnknown) await clearUnknownClaims(db, states.filter((s) => s.state === 'claimed' && !inFlightElsewhere(s)).map((s) => s.id));
  const pending = new Set<string>();
  for (const state of states) {
    const item = byId.get(state.id)!;
    if (state.state === 'sent') {
      summary.alreadySent++;
      done++;
    } else if (state.state === 'expired') {
      summary.expired.push({ inviteId: state.id, email: item.email, cohort: item.cohort });
      emit('expired', item, 'invite expired before it was sent; not emailed (its code no longer works)');
    } else if (inFlightElsewhere(state)) continue; // another dispatcher is sending it now
    else if (state.state === 'ready' || (state.state === 'claimed' && run.resendUnknown)) pending.add(state.id);
    else if (state.state === 'claimed') {
      summary.unknown.push({ inviteId: state.id, email: item.email, claimedBy: state.claimedBy, claimedAt: state.claimedAt?.toISOString() ?? null });
      emit('unknown', item, `claimed by ${state.claimedBy ?? '?'} at ${state.claimedAt?.toISOString() ?? '?'} with no recorded outcome; not resent (use --resend-unknown)`);
    } else {
      summary.skipped.push({ inviteId: state.id, email: item.email, reason: state.state });
      emit('skipped', item, `invite is ${state.state}`);
    }
  }

  // Claim one email at a time, looking at a window of the list: a window with
  // nothing left to claim was taken by another dispatcher.
  const queue = [...pending];
  let cursor = 0;
  const nextClaim = async (): Promise<string | undefined> => {
    while (cursor < queue.length) {
      const start = cursor;
      const window = queue.slice(start, start + CLAIM_WINDOW).filter((id) => pending.has(id));
      if (window.length > 0) {
        const [id] = await claimInvitesForSend(db, window, worker, 1);
        if (id) {
          pending.delete(id);
          return id;
        }
        for (const taken of window) pending.delete(taken);
      }
      cursor = Math.max(cursor, start + CLAIM_WINDOW);
    }
    return undefined;
  };

  const waitForSlot = rateLimiter(run.rate);
  const streak = failureStreak(run.failFastAfter);
  const work = async () => {
    for (let id = streak.tripped() ? undefined : await nextClaim(); id; id = streak.tripped() ? undefined : await nextClaim()) {
      const item = byId.get(id)!;
      await waitForSlot();
      let result: SendResult;
      try {
        result = await sendWithRetry(transport, await item.eml(), { from: run.from, to: item.email }, run);
      } catch (error) {
        result = { ok: false, temporary: false, response: (error as Error).message };
      }
      if (result.ok) {
        await markInviteSent(db, id);
        summary.sent++;
      } else {
        await releaseSendClaim(db, id, result.response);
        summary.failed.push({ inviteId: id, email: item.email, response: result.response });
      }
      streak.record(result, item.email);
      emit(result.ok ? 'sent' : 'failed', item, result.response);
    }
  };
  await Promise.all(Array.from({ length: run.concurrency }, work));
  if (streak.tripped()) summary.stopped = { failures: run.failFastAfter, response: streak.response(), notTried: pending.size };
  return summary;
}
