import {
  claimWelcomeEmail,
  claimedWelcomeEmails,
  clearWelcomeClaims,
  exhaustedWelcomeEmails,
  markWelcomeSent,
  releaseWelcomeClaim,
} from '@veza/invites-db';
import type { Connection, WelcomeOutboxRow } from '@veza/invites-db';
import { InvalidOptionError } from './errors.js';
import type { MailEventListener } from './events.js';
import { failureStreak } from './failure-streak.js';
import { rateLimiter } from './rate-limiter.js';
import { sendOptions } from './send-options.js';
import type { SendOptions } from './send-options.js';
import { sendWithRetry } from './send-with-retry.js';
import type { SendResult, Transport } from './transport.js';
import { liveClaimers } from './live-claimers.js';
import { newWorkerId } from './worker-id.js';

export interface OutboxOptions extends Partial<SendOptions> {
  /** envelope sender (MAIL FROM) */
  from: string;
  /** builds the .eml of one queued email (for the welcome email: welcomeEmlBuilder from @veza/invite-mailer/welcome) */
  buildEml(row: WelcomeOutboxRow): Promise<Buffer>;
  /** a row that failed this many times is no longer tried; the drain reports it (5) */
  maxAttempts?: number;
  onEvent?: MailEventListener;
}

export interface OutboxSummary {
  sent: number;
  failed: { id: string; email: string; response: string }[];
  /**
   * claimed with no recorded outcome, not resent unless resendUnknown: by a sender
   * that is gone, or in this drain by a send whose mailer was killed after it had
   * the message (`reason`; the claim stays this sender's until it closes)
   */
  unknown: { id: string; email: string; claimedBy: string | null; claimedAt: string | null; reason?: string }[];
  /** failed maxAttempts times: no longer tried */
  exhausted: { id: string; email: string; attempts: number; lastError: string | null }[];
  /** being sent right now by another live sender */
  inFlightElsewhere: number;
  stopped: { failures: number; response: string } | null;
  /**
   * this sender lost its database lock during the drain (the server restarted, the session was ended or
   * cut): other senders would take its claim for a dead sender's, so it claimed nothing more (the email in
   * flight ended and was recorded; the rest stays queued). Its next drain takes a new lock under a new
   * worker id. Never on PGlite.
   */
  lockLost: boolean;
}

export interface OutboxSender {
  /** who this sender is in the claims (host:pid:random); a new one after a lost lock (see OutboxSummary.lockLost) */
  readonly worker: string;
  /** Sends every queued welcome email it can claim, once; resolves with what happened. */
  drain(): Promise<OutboxSummary>;
  /** Gives back the liveness lock: its claims become "unknown" to other senders. */
  close(): Promise<void>;
}

/** What the email builder throws about one recipient (its address, its name in a header, a field left empty): that email fails alone. */
const PER_RECIPIENT_CODES = new Set(['EMAIL_RECIPIENT_INVALID', 'EMAIL_HEADER_INVALID', 'EMAIL_PLACEHOLDER_UNFILLED']);
/** Tries per queued email before a drain gives up on it. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * Opens a sender of the welcome outbox. It holds a lock for as long as it is
 * open, so other senders (another API replica, `veza-beta outbox drain`) see
 * its claims as in flight; after a kill -9 the lock is gone and its one claim
 * in flight shows as unknown, exactly as for invite dispatch. Drains never
 * overlap within one sender.
 */
export async function openOutboxSender(conn: Connection, transport: Transport, options: OutboxOptions): Promise<OutboxSender> {
  const send = sendOptions(options);
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1)
    throw new InvalidOptionError('maxAttempts', 'a whole number of attempts, 1 or more');
  const onEvent = options.onEvent ?? (() => undefined);
  // The lock is this sender's liveness to the others. Once its session is gone (lost), they read its claims as
  // a dead sender's: the drain under way claims nothing more, and the next drain takes a new lock under a new
  // id (taken again under the same id, the claims others had already judged dead would look alive again).
  let worker = newWorkerId();
  let lock = { lost: false };
  const holdLock = async () => {
    const held = { lost: false };
    const release = await conn.holdLock(worker, { onLost: () => void (held.lost = true) });
    lock = held;
    return release;
  };
  let release = await holdLock();
  const renewLock = async () => {
    await release();
    worker = newWorkerId();
    release = await holdLock();
  };
  const db = conn.db;
  const waitForSlot = rateLimiter(send.rate);
  let running: Promise<OutboxSummary> | undefined;
  let closed = false;
  // Claims this sender could not give back (the database failed at that moment): their emails are known not
  // sent, so they are given back before the next claim, if still this sender's (an operator's --resend-unknown
  // may have taken one meanwhile). Left claimed, every drain reported them unknown (a
  // warning every 10 s in the API) and nobody sent them.
  const unreleased = new Map<string, { error: string; temporary: boolean; claimedBy: string }>();
  const releaseClaim = async (id: string, error: string, temporary: boolean, claimedBy = worker) => {
    unreleased.set(id, { error, temporary, claimedBy });
    await releaseWelcomeClaim(db, id, error, { temporary, claimedBy });
    unreleased.delete(id);
  };

  const drainOnce = async (): Promise<OutboxSummary> => {
    if (lock.lost) await renewLock();
    const summary: OutboxSummary = {
      sent: 0,
      failed: [],
      unknown: [],
      exhausted: [],
      inFlightElsewhere: 0,
      stopped: null,
      lockLost: false,
    };
    for (const [id, { error, temporary, claimedBy }] of unreleased) await releaseClaim(id, error, temporary, claimedBy);
    // Our own claims from an earlier drain are not in flight (drains do not overlap):
    // they are sends whose mailer was killed, already reported by that drain.
    const claims = (await claimedWelcomeEmails(db)).filter((c) => c.claimedBy !== worker);
    const alive = await liveClaimers(db, claims);
    const unknown = claims.filter((c) => !alive.get(c.claimedBy ?? ''));
    summary.inFlightElsewhere = claims.length - unknown.length;
    if (send.resendUnknown)
      await clearWelcomeClaims(
        db,
        unknown.map((c) => c.id),
      );
    else
      summary.unknown = unknown.map((c) => ({
        id: c.id,
        email: c.email,
        claimedBy: c.claimedBy,
        claimedAt: c.claimedAt?.toISOString() ?? null,
      }));

    // The emails this drain gave back (failed): claimable again, so left out of its next claims (not retried at once).
    // A sent one has sent_at and an unknown one keeps its claim: neither can be claimed, and listing them made each
    // claim of a long drain carry every id sent so far.
    const released: string[] = [];
    const streak = failureStreak(send.failFastAfter);
    let done = 0;
    // After close() (a SIGTERM of the API), or once the lock is lost, nothing more is claimed: the email in flight
    // ends, the rest stays queued.
    const next = () =>
      closed || streak.tripped() || lock.lost ? undefined : claimWelcomeEmail(db, worker, { maxAttempts, exclude: released });
    for (let row = await next(); row; row = await next()) {
      await waitForSlot();
      if (lock.lost) {
        // lost while it waited for its slot: not tried, given back (no attempt counted), as a claim taken ahead
        await releaseClaim(row.id, "not tried: this sender's database lock was lost", true);
        break;
      }
      let result: SendResult;
      try {
        result = await sendWithRetry(transport, await options.buildEml(row), { from: options.from, to: row.email }, send);
      } catch (error) {
        // A recipient the template refuses (PER_RECIPIENT_CODES) is that email's failure. Anything
        // else thrown by the builder (a renderer not installed, a template that does not compile) is the
        // setup's: each email would fail alike and be given up after maxAttempts. The drain stops there,
        // nothing counted against anyone (sendWithRetry itself turns a transport's trouble into a result).
        const response = (error as Error).message;
        if (!PER_RECIPIENT_CODES.has(String((error as { code?: unknown }).code))) {
          await releaseClaim(row.id, `not built: ${response}`, true);
          summary.stopped = { failures: 1, response: `the welcome email was not built: ${response}` };
          break;
        }
        result = { ok: false, temporary: false, response };
      }
      if (result.ok) {
        await markWelcomeSent(db, row.id);
        summary.sent++;
      } else if (result.unknown) {
        // the mailer had the whole message and was killed: it may have sent it; the claim stays
        summary.unknown.push({
          id: row.id,
          email: row.email,
          claimedBy: worker,
          claimedAt: new Date().toISOString(),
          reason: result.response,
        });
      } else {
        // a fault of the transport (its login, TLS, configuration) is not the email's: it must not be given up for it
        await releaseClaim(row.id, result.response, result.temporary || result.transportFault === true);
        released.push(row.id);
        summary.failed.push({ id: row.id, email: row.email, response: result.response });
      }
      streak.record(result, row.email);
      onEvent({
        type: result.ok ? 'sent' : result.unknown ? 'unknown' : 'failed',
        id: row.id,
        email: row.email,
        detail: result.response,
        claimedBy: worker, // a send of this drain (the unknown ones of other senders, listed at its end, have none)
        done: ++done,
        total: done,
      });
    }
    if (streak.tripped()) summary.stopped ??= { failures: send.failFastAfter, response: streak.response() };
    summary.lockLost = lock.lost;
    summary.exhausted = await exhaustedWelcomeEmails(db, maxAttempts);
    // one that failed its last attempt in this drain is given up, not failed-and-retried: listed once
    const givenUp = new Set(summary.exhausted.map((e) => e.id));
    summary.failed = summary.failed.filter((f) => !givenUp.has(f.id));
    for (const u of summary.unknown.filter((u) => u.claimedBy !== worker))
      onEvent({
        type: 'unknown',
        id: u.id,
        email: u.email,
        detail: `claimed by ${u.claimedBy ?? '?'} with no recorded outcome`,
        done,
        total: done,
      });
    return summary;
  };

  return {
    get worker() {
      return worker;
    },
    drain: async () => {
      if (closed) throw new InvalidOptionError('drain', 'an open sender (this one is closed)');
      while (running) await running.catch(() => undefined);
      running = drainOnce();
      try {
        return await running;
      } finally {
        running = undefined;
      }
    },
    // Stops a running drain after the email in flight (nothing more is claimed), then lets the lock go.
    close: async () => {
      if (closed) return;
      closed = true;
      await running?.catch(() => undefined);
      await release();
    },
  };
}
