import { and, asc, eq, gte, inArray, isNotNull, isNull, lt, not, sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { UUID_PATTERN } from '@veza/invite-rules';
import { withDbErrors } from '../db-errors.js';
import { welcomeOutbox } from '../schema.js';

/** One welcome email of the outbox (migrations/994_welcome_outbox.sql), as a sender sees it. */
export interface WelcomeOutboxRow {
  id: string;
  inviteId: string;
  email: string;
  name: string | null;
  attempts: number;
}

/** A claim with no recorded outcome. */
export interface WelcomeClaim {
  id: string;
  email: string;
  claimedBy: string | null;
  claimedAt: Date | null;
}

/** `id = ANY(uuid[])` from one array parameter; strings that are not UUIDs match nothing. */
function idIn(ids: readonly string[]) {
  return sql`${welcomeOutbox.id} = ANY(${`{${ids.filter((id) => UUID_PATTERN.test(id)).join(',')}}`}::uuid[])`;
}

const t = welcomeOutbox;
const SENDER_COLUMNS = { id: t.id, inviteId: t.inviteId, email: t.email, name: t.name, attempts: t.attempts };

/**
 * Queues the welcome email of a redeemed invite. Call it in the transaction of
 * the redemption (redeemInvite does with `queueWelcome`). At most one row per
 * invite: a second call does nothing.
 */
export async function queueWelcomeEmail(db: Database, invite: { id: string; email: string; name: string | null }): Promise<void> {
  await withDbErrors(() =>
    db.insert(t).values({ inviteId: invite.id, email: invite.email, name: invite.name }).onConflictDoNothing({ target: t.inviteId }),
  );
}

/**
 * Claims the oldest unsent, unclaimed welcome email with fewer than
 * `maxAttempts` attempts, skipping rows another sender holds (FOR UPDATE SKIP
 * LOCKED) and the ids in `exclude` (tried already by this drain). The claim is
 * committed before the send, as for invites.
 */
export async function claimWelcomeEmail(
  db: Database,
  worker: string,
  options: { maxAttempts: number; exclude?: readonly string[] },
): Promise<WelcomeOutboxRow | undefined> {
  const next = db
    .select({ id: t.id })
    .from(t)
    .where(and(isNull(t.sentAt), isNull(t.claimedAt), lt(t.attempts, options.maxAttempts), not(idIn(options.exclude ?? []))))
    .orderBy(asc(t.createdAt), asc(t.id))
    .limit(1)
    .for('update', { skipLocked: true });
  const [row] = await withDbErrors(() =>
    db
      .update(t)
      .set({ claimedAt: sql`now()`, claimedBy: worker })
      .where(inArray(t.id, next))
      .returning(SENDER_COLUMNS),
  );
  return row;
}

/** The transport accepted the welcome email. */
export async function markWelcomeSent(db: Database, id: string): Promise<void> {
  await withDbErrors(() =>
    db
      .update(t)
      .set({ sentAt: sql`now()`, attempts: sql`${t.attempts} + 1`, lastError: null })
      .where(and(eq(t.id, id), isNull(t.sentAt))),
  );
}

/**
 * The send failed: releases the claim so a later drain retries, and keeps the
 * reason. Only a refusal counts toward the email's attempts: a relay that is
 * down or says "later" (`temporary`) is no answer about the address, and an
 * outage of a few minutes must not give up every email queued meanwhile.
 * With `claimedBy`, only a claim that sender still holds is released.
 */
export async function releaseWelcomeClaim(
  db: Database,
  id: string,
  error: string,
  options: { temporary?: boolean; claimedBy?: string } = {},
): Promise<void> {
  await withDbErrors(() =>
    db
      .update(t)
      .set({
        claimedAt: null,
        claimedBy: null,
        attempts: options.temporary ? t.attempts : sql`${t.attempts} + 1`,
        lastError: error.slice(0, 1000),
      })
      // claimedBy: only while the claim is still that sender's (one given back late, after an outage, may have
      // been cleared and claimed by another meanwhile: giving that one back let a third send it again)
      .where(and(eq(t.id, id), isNull(t.sentAt), options.claimedBy === undefined ? undefined : eq(t.claimedBy, options.claimedBy))),
  );
}

/** Unsent welcome emails that are claimed: in flight at a live sender, or with an unknown outcome (its sender died). */
export async function claimedWelcomeEmails(db: Database): Promise<WelcomeClaim[]> {
  return withDbErrors(() =>
    db
      .select({ id: t.id, email: t.email, claimedBy: t.claimedBy, claimedAt: t.claimedAt })
      .from(t)
      .where(and(isNull(t.sentAt), isNotNull(t.claimedAt)))
      .orderBy(asc(t.createdAt), asc(t.id)),
  );
}

/** Clears claims whose outcome is unknown, so they are sent again. Explicit operator choice. */
export async function clearWelcomeClaims(db: Database, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await withDbErrors(() =>
    db
      .update(t)
      .set({ claimedAt: null, claimedBy: null })
      .where(and(idIn(ids), isNull(t.sentAt), isNotNull(t.claimedAt)))
      .returning({ id: t.id }),
  );
  return rows.length;
}

/** Unsent, unclaimed welcome emails that have used up their attempts (a drain no longer tries them). */
export async function exhaustedWelcomeEmails(
  db: Database,
  maxAttempts: number,
): Promise<{ id: string; email: string; attempts: number; lastError: string | null }[]> {
  return withDbErrors(() =>
    db
      .select({ id: t.id, email: t.email, attempts: t.attempts, lastError: t.lastError })
      .from(t)
      .where(and(isNull(t.sentAt), isNull(t.claimedAt), gte(t.attempts, maxAttempts)))
      .orderBy(asc(t.createdAt), asc(t.id)),
  );
}

/** Every row of the outbox, oldest first (reports and tests). */
export async function listWelcomeOutbox(
  db: Database,
): Promise<(WelcomeOutboxRow & { sentAt: Date | null; claimedBy: string | null; lastError: string | null })[]> {
  return withDbErrors(() =>
    db
      .select({ ...SENDER_COLUMNS, sentAt: t.sentAt, claimedBy: t.claimedBy, lastError: t.lastError })
      .from(t)
      .orderBy(asc(t.createdAt), asc(t.id)),
  );
}
