import { asc, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { withDbErrors } from '../db-errors.js';
import { betaInvites } from '../schema.js';

/** Where the dispatch stands, for the launch-day checks (preflight --phase d-day, hour-1). */
export interface DispatchFacts {
  /** invites a dispatch has tried (sent, or at least one attempt and not revoked): sent + failed + unknown */
  attempted: number;
  /** recorded as sent, or tried and redeemed since (the code reached the person: no dispatch sends it again) */
  sent: number;
  /** tried, not sent, no claim held, not revoked, not redeemed: the last error stands */
  failed: number;
  /** claimed and never confirmed, not revoked, not redeemed: the outcome of that send is unknown */
  unknown: number;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
}

/** `count(*) FILTER (WHERE …)` as a number on both drivers (postgres.js may send integers as text). */
function countWhere(condition: SQL) {
  return sql`count(*) FILTER (WHERE ${condition})::int`.mapWith(Number);
}

/** Tried by a dispatch: at least one attempt, or a claim held. */
const TRIED = sql`(${betaInvites.sendAttempts} > 0 OR ${betaInvites.sendClaimedAt} IS NOT NULL)`;

/**
 * Not sent, not redeemed, not revoked: tried, such an invite is failed (no claim held) or unknown (a claim
 * held), as dispatchFacts counts them and failedDispatches lists them.
 */
const UNRESOLVED = sql`${betaInvites.sentAt} IS NULL AND ${betaInvites.usedAt} IS NULL AND ${betaInvites.revokedAt} IS NULL`;

export async function dispatchFacts(db: Database): Promise<DispatchFacts> {
  const t = betaInvites;
  // A redeemed code reached its person: a send cut by a crash (or recorded as failed) whose code was redeemed
  // since is sent. Counted unknown, it held the d-day item 🔴 while the rerun said "skipped: invite used".
  const sent = sql`(${t.sentAt} IS NOT NULL OR (${t.usedAt} IS NOT NULL AND ${TRIED}))`;
  const [row] = await withDbErrors(() =>
    db
      .select({
        // sent + failed + unknown: a revoked invite whose email did not go is none of them (its code works no more,
        // no dispatch sends it): counted as unknown, it held the d-day item 🔴 with a rerun that could not clear it
        attempted: countWhere(sql`${sent} OR (${t.revokedAt} IS NULL AND ${TRIED})`),
        sent: countWhere(sent),
        failed: countWhere(sql`${UNRESOLVED} AND ${t.sendClaimedAt} IS NULL AND ${t.sendAttempts} > 0`),
        unknown: countWhere(sql`${UNRESOLVED} AND ${t.sendClaimedAt} IS NOT NULL`),
        // mapped as the column is: a Date on both drivers, null when nothing was sent
        firstSentAt: sql<Date | null>`min(${t.sentAt})`.mapWith(t.sentAt),
        lastSentAt: sql<Date | null>`max(${t.sentAt})`.mapWith(t.sentAt),
      })
      .from(t),
  );
  return row ?? { attempted: 0, sent: 0, failed: 0, unknown: 0, firstSentAt: null, lastSentAt: null };
}

/** The invites whose last send failed or has no recorded outcome (not revoked, not redeemed), for the decision report, by email: as many as dispatchFacts counts failed + unknown, at most `limit`. */
export async function failedDispatches(
  db: Database,
  limit = 50,
): Promise<{ email: string; cohort: string; attempts: number; lastError: string | null }[]> {
  const t = betaInvites;
  return withDbErrors(() =>
    db
      .select({ email: t.email, cohort: t.cohort, attempts: t.sendAttempts, lastError: t.lastSendError })
      .from(t)
      .where(sql`${UNRESOLVED} AND ${TRIED}`)
      .orderBy(asc(t.email))
      .limit(limit),
  );
}
