import { appendFileSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { claimInvitesForSend, clearUnknownClaims, isDispatcherAlive, markInviteSent, releaseSendClaim, sendStates } from '@veza/invites-db';
import type { Connection, Database } from '@veza/invites-db';
import type { Manifest, ManifestInvite } from './manifest.js';
import type { Progress } from './progress.js';
import { rateLimiter } from './rate-limiter.js';
import type { SendResult, Transport } from './transports.js';

export interface DispatchOptions {
  /** emails per second, all workers together */
  rate: number;
  /** emails in flight at once */
  concurrency: number;
  /** attempts after the first, for temporary failures */
  retries: number;
  /** first backoff delay in milliseconds, doubled on each retry */
  retryDelayMs: number;
  /** also send the emails whose earlier send has an unknown outcome (killed mid-send) */
  resendUnknown: boolean;
  /** stop after this many consecutive failures of one kind that are not about the recipient (FAIL_FAST_AFTER) */
  failFastAfter: number;
  /** only these invites of the manifest (invites send FILE dispatches the file's invites only) */
  only?: ReadonlySet<string> | undefined;
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

export const DISPATCH_LOG = 'dispatch.log';
/** manifest entries looked at per claim query */
const CLAIM_WINDOW = 200;

function logLine(dir: string, invite: ManifestInvite, outcome: string, response: string): void {
  const clean = response.replace(/[\t\r\n]+/g, ' ');
  appendFileSync(join(dir, DISPATCH_LOG), `${new Date().toISOString()}\t${invite.inviteId}\t${invite.email}\t${outcome}\t${clean}\n`, { mode: 0o600 });
}

/** Sends, retrying temporary failures with backoff; the response notes the earlier attempts. */
async function sendWithRetry(transport: Transport, eml: Buffer, envelope: { from: string; to: string }, options: DispatchOptions): Promise<SendResult> {
  let result = await transport.send(eml, envelope);
  const earlier: string[] = [];
  for (let attempt = 1; !result.ok && result.temporary && attempt <= options.retries; attempt++) {
    earlier.push(result.response);
    await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs * 2 ** (attempt - 1)));
    result = await transport.send(eml, envelope);
  }
  if (earlier.length === 0) return result;
  return { ...result, response: `${result.response} (attempt ${earlier.length + 1}; before: ${earlier.join(' | ')})` };
}

/**
 * Counts consecutive final failures of one kind. A failure that names its
 * recipient (550 <ana@…>: mailbox unavailable) is about that person, not the
 * transport: it breaks the streak instead of feeding it. The kind is the
 * response with digits removed, so "exit 78: … account default not found"
 * five times in a row trips it whatever the queue ids say.
 */
function failureStreak(limit: number) {
  let kind = '';
  let count = 0;
  let last = '';
  return {
    record(result: SendResult, recipient: string) {
      if (result.ok || result.response.toLowerCase().includes(recipient.toLowerCase())) {
        count = 0;
        kind = '';
        return;
      }
      const current = result.response.replace(/\(attempt \d+; before: .*\)$/, '').replace(/\d+/g, '#');
      count = current === kind ? count + 1 : 1;
      kind = current;
      last = result.response;
    },
    tripped: () => limit > 0 && count >= limit,
    response: () => last,
  };
}

/**
 * Sends every email of a prepared folder that has not been sent. Each email is
 * claimed in the database just before its send (FOR UPDATE SKIP LOCKED), so two
 * dispatchers never send one invite twice, and a crash leaves at most the
 * emails then in flight as "outcome unknown", reported and resent only with
 * resendUnknown.
 */
export async function dispatchFolder(conn: Connection, dir: string, manifest: Manifest, transport: Transport, options: DispatchOptions, progress: Progress): Promise<DispatchSummary> {
  const worker = `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  // Held while this dispatcher runs: others see its claims as in flight, not unknown.
  const release = await conn.holdLock(worker);
  try {
    return await dispatchAs(conn.db, worker, dir, manifest, transport, options, progress);
  } finally {
    await release();
  }
}

async function dispatchAs(db: Database, worker: string, dir: string, manifest: Manifest, transport: Transport, options: DispatchOptions, progress: Progress): Promise<DispatchSummary> {
  const invites = options.only ? manifest.invites.filter((invite) => options.only!.has(invite.inviteId)) : manifest.invites;
  const byId = new Map(invites.map((invite) => [invite.inviteId, invite]));
  const summary: DispatchSummary = { total: invites.length, sent: 0, failed: [], alreadySent: 0, unknown: [], skipped: [], expired: [], stopped: null };

  const states = await sendStates(db, [...byId.keys()]);
  const alive = new Map<string, boolean>();
  for (const state of states) {
    if (state.state !== 'claimed' || alive.has(state.claimedBy ?? '')) continue;
    alive.set(state.claimedBy ?? '', state.claimedBy ? await isDispatcherAlive(db, state.claimedBy) : false);
  }
  const inFlightElsewhere = (s: (typeof states)[number]) => s.state === 'claimed' && alive.get(s.claimedBy ?? '') === true;
  const unknownIds = states.filter((s) => s.state === 'claimed' && !inFlightElsewhere(s)).map((s) => s.id);
  if (options.resendUnknown) await clearUnknownClaims(db, unknownIds);
  const pending = new Set<string>();
  for (const state of states) {
    const invite = byId.get(state.id)!;
    if (state.state === 'sent') summary.alreadySent++;
    else if (state.state === 'expired') {
      summary.expired.push({ inviteId: state.id, email: invite.email, cohort: invite.cohort });
      logLine(dir, invite, 'expired', 'invite expired before it was sent; not emailed (its code no longer works)');
    }
    else if (inFlightElsewhere(state)) continue; // another dispatcher is sending it now
    else if (state.state === 'ready' || (state.state === 'claimed' && options.resendUnknown)) pending.add(state.id);
    else if (state.state === 'claimed') {
      summary.unknown.push({ inviteId: state.id, email: invite.email, claimedBy: state.claimedBy, claimedAt: state.claimedAt?.toISOString() ?? null });
      logLine(dir, invite, 'unknown', `claimed by ${state.claimedBy ?? '?'} at ${state.claimedAt?.toISOString() ?? '?'} with no recorded outcome; not resent (use --resend-unknown)`);
    } else {
      summary.skipped.push({ inviteId: state.id, email: invite.email, reason: state.state });
      logLine(dir, invite, 'skipped', `invite is ${state.state}`);
    }
  }

  // Claim one email at a time, looking at a window of the manifest: a window
  // with nothing left to claim was taken by another dispatcher.
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

  const waitForSlot = rateLimiter(options.rate);
  let done = summary.alreadySent + summary.unknown.length + summary.skipped.length + summary.expired.length;
  const streak = failureStreak(options.failFastAfter);
  const work = async () => {
    for (let id = streak.tripped() ? undefined : await nextClaim(); id; id = streak.tripped() ? undefined : await nextClaim()) {
      const invite = byId.get(id)!;
      await waitForSlot();
      let result: SendResult;
      try {
        const eml = readFileSync(join(dir, invite.file));
        result = await sendWithRetry(transport, eml, { from: manifest.mailFrom, to: invite.email }, options);
      } catch (error) {
        result = { ok: false, temporary: false, response: (error as Error).message };
      }
      if (result.ok) {
        await markInviteSent(db, id);
        summary.sent++;
      } else {
        await releaseSendClaim(db, id, result.response);
        summary.failed.push({ inviteId: id, email: invite.email, response: result.response });
      }
      streak.record(result, invite.email);
      logLine(dir, invite, result.ok ? 'sent' : 'failed', result.response);
      progress.update(++done, `${result.ok ? 'sent' : 'FAILED'} ${invite.email}`);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, work));
  progress.finish();
  if (streak.tripped()) {
    summary.stopped = { failures: options.failFastAfter, response: streak.response(), notTried: pending.size };
  }
  return summary;
}
