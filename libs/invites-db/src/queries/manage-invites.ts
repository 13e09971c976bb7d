import { createHash } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lte, sql } from 'drizzle-orm';
import { digestCode, generateCode, normalizeCode } from '../code.js';
import type { Database } from '../connect.js';
import { decodeRows, withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';
import { emailProblem } from '@veza/invite-rules';
import { betaInviteLeftOut, betaInvites } from '../schema.js';
import { idIn } from './dispatch-claims.js';

export type RevokeTarget = { code: string } | { email: string };

export interface RevokeResult {
  /** ids of the invites revoked now */
  revoked: string[];
  /**
   * invites that matched but could not be revoked, and why; `email`, for one
   * already revoked: its invitation email was sent all the same (a revoke that
   * came while it was on its way) or is still claimed by a dispatcher
   */
  untouched: { id: string; reason: 'already revoked' | 'already used'; email?: 'sent' | 'being sent' }[];
  /**
   * of `revoked`, those whose invitation email a dispatcher had claimed and not
   * recorded as sent: being sent at this moment (or its outcome unknown after a
   * crash). A running dispatch sends no revoked invite it has not started yet,
   * but one already on its way may still arrive, with a code that no longer works.
   */
  sending: string[];
  /** of `revoked`, those whose invitation email had been sent already: the person has it, its code no longer works */
  sent: string[];
}

/** Revokes an unused invite by its code, or every live unused invite of an email (case-insensitive). */
export async function revokeInvites(db: Database, target: RevokeTarget): Promise<RevokeResult> {
  let match;
  if ('code' in target) {
    match = eq(betaInvites.codeDigest, digestCode(normalizeCode(target.code)));
  } else {
    const problem = emailProblem(target.email.trim());
    if (problem) throw new InvalidInputError('email', `email ${problem.reason}`);
    match = eq(sql`lower(${betaInvites.email} COLLATE "C")`, target.email.trim().toLowerCase());
  }
  return withDbErrors(async () => {
    const revoked = await db
      .update(betaInvites)
      .set({ revokedAt: sql`now()` })
      .where(and(match, isNull(betaInvites.usedAt), isNull(betaInvites.revokedAt)))
      .returning({
        id: betaInvites.id,
        sending: sql<boolean>`${betaInvites.sendClaimedAt} IS NOT NULL AND ${betaInvites.sentAt} IS NULL`,
        sent: sql<boolean>`${betaInvites.sentAt} IS NOT NULL`,
      });
    const revokedIds = new Set(revoked.map((r) => r.id));
    const others = await db
      .select({
        id: betaInvites.id,
        usedAt: betaInvites.usedAt,
        revokedAt: betaInvites.revokedAt,
        sentAt: betaInvites.sentAt,
        claimedAt: betaInvites.sendClaimedAt,
      })
      .from(betaInvites)
      .where(match);
    return {
      revoked: [...revokedIds],
      untouched: others
        // neither used nor revoked: created after the update (prepare invited the address again), not this revoke's business
        .filter((row) => !revokedIds.has(row.id) && (row.usedAt || row.revokedAt))
        .map((row) =>
          row.usedAt
            ? { id: row.id, reason: 'already used' as const }
            : {
                id: row.id,
                reason: 'already revoked' as const,
                ...(row.sentAt ? { email: 'sent' as const } : row.claimedAt ? { email: 'being sent' as const } : {}),
              },
        ),
      sending: revoked.filter((r) => Boolean(r.sending)).map((r) => r.id),
      sent: revoked.filter((r) => Boolean(r.sent)).map((r) => r.id),
    };
  });
}

/**
 * The addresses (lowercased) whose every invite in the table is revoked, with
 * the newest revocation: someone revoked them and no live invite replaced
 * them. `invites prepare` does not invite them again unless told to (a person
 * who asked to be left out stays out when a later cohort file lists them).
 * One sequential scan of the table for its revoked rows (no index holds
 * them); each is checked against the live invites through the unique index
 * on lower(email COLLATE "C"). Called once per prepare, not per chunk.
 */
export async function revokedOnlyEmails(db: Database): Promise<Map<string, Date>> {
  const rows = await withDbErrors(async () =>
    decodeRows(
      await db.execute(sql`
        SELECT lower(r.email COLLATE "C") AS email, max(r.revoked_at) AS revoked FROM beta_invites r
        WHERE r.revoked_at IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM beta_invites l WHERE lower(l.email COLLATE "C") = lower(r.email COLLATE "C") AND l.revoked_at IS NULL)
        GROUP BY lower(r.email COLLATE "C")`),
      { email: 'string', revoked: 'date' },
      'revoked-only emails',
    ),
  );
  return new Map(rows.map((row) => [row.email, row.revoked]));
}

/**
 * The digest an address is kept under once its invites are gone
 * (`beta_invite_left_out`): SHA-256 of the trimmed, lowercased address, in
 * hex. The same as the SQL of cleanupExpiredInvites computes (addresses are
 * ASCII: toLowerCase() and lower(… COLLATE "C") agree; lower() alone follows
 * the database's collation, and a Turkish one lowercases I as ı).
 */
export function emailDigest(email: string): string {
  return createHash('sha256').update(email.trim().toLowerCase()).digest('hex');
}

/**
 * Of the given addresses, those to leave out of a new invitation, lowercased,
 * with the newest revocation: every invite of the address is revoked
 * (revokedOnlyEmails), or `invites cleanup` deleted its revoked invites and
 * kept its digest (`beta_invite_left_out`) and no live invite was made since.
 */
export async function leftOutAddresses(db: Database, emails: readonly string[]): Promise<Map<string, Date>> {
  const found = await revokedOnlyEmails(db);
  const wanted = new Set(emails.map((email) => email.trim().toLowerCase()));
  const result = new Map([...found].filter(([email]) => wanted.has(email)));
  const byDigest = new Map([...wanted].filter((email) => !result.has(email)).map((email) => [emailDigest(email), email]));
  // few rows (the people who asked to be left out): read whole
  const kept = await withDbErrors(() =>
    db.select({ digest: betaInviteLeftOut.emailDigest, revokedAt: betaInviteLeftOut.revokedAt }).from(betaInviteLeftOut),
  );
  const matched = new Map(kept.filter((row) => byDigest.has(row.digest)).map((row) => [byDigest.get(row.digest)!, row.revokedAt]));
  if (matched.size === 0) return result;
  // a live invite made since (by a backend, or before prepare lifted the record) wins, as it does over revoked rows
  const live = await withDbErrors(() =>
    db
      .select({ email: sql<string>`lower(${betaInvites.email} COLLATE "C")` })
      .from(betaInvites)
      .where(and(isNull(betaInvites.revokedAt), inArray(sql`lower(${betaInvites.email} COLLATE "C")`, [...matched.keys()]))),
  );
  for (const row of live) matched.delete(row.email);
  for (const [email, at] of matched) result.set(email, at);
  return result;
}

/** Addresses per query of invitedAddresses: one parameter each, well under the protocol's 65,535. */
const ADDRESSES_PER_QUERY = 5_000;

/**
 * Of the given addresses, those (lowercased) that have an invite in the
 * database, in any state. `invites prepare` asks it of the addresses its
 * out-<date>/ folders say were emailed a code this database does not have (a
 * database restored from a backup older than the send).
 */
export async function invitedAddresses(db: Database, emails: readonly string[]): Promise<Set<string>> {
  const wanted = [...new Set(emails.map((email) => email.trim().toLowerCase()))];
  const result = new Set<string>();
  // a parameter per address, and a query carries at most 65,535: a restore of a 100,000-person cohort asks of all
  for (let start = 0; start < wanted.length; start += ADDRESSES_PER_QUERY) {
    const found = await withDbErrors(() =>
      db
        .selectDistinct({ email: sql<string>`lower(${betaInvites.email} COLLATE "C")` })
        .from(betaInvites)
        .where(inArray(sql`lower(${betaInvites.email} COLLATE "C")`, wanted.slice(start, start + ADDRESSES_PER_QUERY))),
    );
    for (const row of found) result.add(row.email);
  }
  return result;
}

/**
 * Lifts the left-out record of the given addresses (`prepare
 * --reinvite-revoked` inviting them again, in the transaction that creates
 * their invites). Returns how many records were deleted.
 */
export async function forgetLeftOut(db: Database, emails: readonly string[]): Promise<number> {
  if (emails.length === 0) return 0;
  const digests = [...new Set(emails.map(emailDigest))];
  const rows = await withDbErrors(() =>
    db
      .delete(betaInviteLeftOut)
      // hex digests only in the literal: nothing to quote
      .where(sql`${betaInviteLeftOut.emailDigest} = ANY(${`{${digests.join(',')}}`}::text[])`)
      .returning({ digest: betaInviteLeftOut.emailDigest }),
  );
  return rows.length;
}

export interface CleanupResult {
  dryRun: boolean;
  /** invites deleted (or that would be) */
  count: number;
  byCohort: { cohort: string; count: number }[];
  /**
   * addresses left with no live invite whose revoked invites were deleted (a
   * revoked one not yet expired may stay) and that are kept
   * as left out (their digest, in beta_invite_left_out), or would be
   */
  leftOut: number;
  /**
   * of `count`, the invites a dispatcher had claimed and not recorded as sent
   * (its email on its way as the invite expired, or its outcome unknown after
   * a crash): such an email may still arrive, with a code no invite has any more
   */
  sending: number;
}

/**
 * Deletes expired, unused invites (revoked or not). An address whose every
 * invite is revoked (someone asked to be left out) keeps that in
 * `beta_invite_left_out` (its digest, not the address), in the same
 * transaction: prepare still leaves it out. With dryRun, only reports what it
 * would delete. An invite still claimed by a dispatcher is deleted too (it
 * expired: no dispatch sends it any more), and counted in `sending`: an email
 * already on its way is not stopped by the delete, as by a revoke.
 */
export async function cleanupExpiredInvites(db: Database, options: { dryRun?: boolean; now?: Date } = {}): Promise<CleanupResult> {
  const dryRun = options.dryRun ?? false;
  const now = options.now ? sql`${options.now.toISOString()}::timestamptz` : sql`now()`;
  const expired = and(isNull(betaInvites.usedAt), lte(betaInvites.expiresAt, now));
  // the addresses revokedOnlyEmails would name that lose revoked invites here; the digest as emailDigest computes it
  const leftOut = sql`
    SELECT encode(sha256(convert_to(lower(r.email COLLATE "C"), 'UTF8')), 'hex') AS email_digest, max(r.revoked_at) AS revoked_at
    FROM beta_invites r
    WHERE r.revoked_at IS NOT NULL AND r.used_at IS NULL AND r.expires_at <= ${now}
      AND NOT EXISTS (SELECT 1 FROM beta_invites l WHERE lower(l.email COLLATE "C") = lower(r.email COLLATE "C") AND l.revoked_at IS NULL)
    GROUP BY lower(r.email COLLATE "C")`;
  return withDbErrors(() =>
    db.transaction(async (tx) => {
      // The rows to delete are locked first: a revoke of one of them committed while this ran (the person asked
      // to be left out, the invite already expired) was deleted by the DELETE after the left-out rows were read
      // without it, and the address was kept nowhere. Locked, such a revoke is waited for and seen, or waits.
      // (counted, not listed: a cleanup of many rows brings no ids back)
      if (!dryRun) await tx.execute(sql`SELECT count(*) FROM (SELECT 1 FROM ${betaInvites} WHERE ${expired} FOR UPDATE) AS locked`);
      const byCohort = await tx
        .select({
          cohort: betaInvites.cohort,
          count: sql<number>`count(*)::int`,
          sending: sql<number>`(count(*) FILTER (WHERE ${betaInvites.sendClaimedAt} IS NOT NULL AND ${betaInvites.sentAt} IS NULL))::int`,
        })
        .from(betaInvites)
        .where(expired)
        .groupBy(betaInvites.cohort)
        .orderBy(betaInvites.cohort);
      const kept = decodeRows(
        await tx.execute(
          dryRun
            ? sql`SELECT count(*)::int AS n FROM (${leftOut}) AS left_out`
            : sql`WITH kept AS (
                INSERT INTO beta_invite_left_out (email_digest, revoked_at) ${leftOut}
                ON CONFLICT (email_digest) DO UPDATE SET revoked_at = greatest(beta_invite_left_out.revoked_at, EXCLUDED.revoked_at)
                RETURNING 1)
              SELECT count(*)::int AS n FROM kept`,
        ),
        { n: 'number' },
        'left-out addresses',
      );
      if (!dryRun) await tx.delete(betaInvites).where(expired);
      return {
        dryRun,
        leftOut: kept[0]?.n ?? 0,
        count: byCohort.reduce((sum, row) => sum + Number(row.count), 0),
        sending: byCohort.reduce((sum, row) => sum + Number(row.sending), 0),
        byCohort: byCohort.map((r) => ({ cohort: r.cohort, count: Number(r.count) })),
      };
    }),
  );
}

/** What a reissue may set besides the code: the row as the cohort file says it now. */
export interface ReissueChanges {
  cohort?: string;
  name?: string | null;
  role?: 'creator' | 'listener' | null;
}

/**
 * Gives an unsent, unclaimed, live (not expired) invite a new code (the old
 * one stops working). For an operator whose rendered email was lost before it
 * was sent. `changes` sets the cohort, name and role the new email is
 * rendered with (the cohort file may have been edited since): nobody has seen
 * the old ones, and the report and the welcome email then say what the email
 * said. Returns null when the invite is not in that state.
 */
export async function reissueInviteCode(
  db: Database,
  id: string,
  changes: ReissueChanges = {},
): Promise<{ code: string; expiresAt: Date } | null> {
  const code = generateCode();
  const set: Partial<typeof betaInvites.$inferInsert> = { codeDigest: digestCode(code) };
  if (changes.cohort !== undefined) set.cohort = changes.cohort;
  if (changes.name !== undefined) set.name = changes.name;
  if (changes.role !== undefined) set.role = changes.role;
  const [row] = await withDbErrors(() =>
    db
      .update(betaInvites)
      .set(set)
      .where(
        and(
          eq(betaInvites.id, id),
          isNull(betaInvites.sentAt),
          isNull(betaInvites.sendClaimedAt),
          isNull(betaInvites.usedAt),
          isNull(betaInvites.revokedAt),
          // an expired code cannot be sent (dispatch skips it): a new email for it would only say a past date
          gt(betaInvites.expiresAt, sql`now()`),
        ),
      )
      .returning({ expiresAt: betaInvites.expiresAt }),
  );
  return row ? { code, expiresAt: row.expiresAt } : null;
}

/**
 * The code digest of each given invite, by id: a dispatcher compares it with
 * the code in an .eml to refuse a file whose code was replaced since
 * (`--reissue-unsent`). Ids that are not in the table are absent.
 */
export async function inviteCodeDigests(db: Database, ids: readonly string[]): Promise<Map<string, string>> {
  if (ids.length === 0) return new Map();
  const rows = await withDbErrors(() =>
    db
      .select({ id: betaInvites.id, digest: betaInvites.codeDigest })
      .from(betaInvites)
      .where(idIn([...ids])),
  );
  return new Map(rows.map((row) => [row.id, row.digest]));
}

/** Moves an invite's expiry (preflight uses it to make an expired test code; tests too). */
export async function setInviteExpiry(db: Database, id: string, expiresAt: Date): Promise<void> {
  await withDbErrors(() => db.update(betaInvites).set({ expiresAt }).where(eq(betaInvites.id, id)));
}

/** Deletes invites by id (preflight removes the test invites it made). */
export async function deleteInvites(db: Database, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await withDbErrors(() =>
    db
      .delete(betaInvites)
      .where(sql`${betaInvites.id} = ANY(${`{${ids.join(',')}}`}::uuid[])`)
      .returning({ id: betaInvites.id }),
  );
  return rows.length;
}

/**
 * Deletes the unused invites of one address in one cohort (case-insensitive
 * address): a tool's own test invites left behind by a run that was killed
 * before it removed them (preflight's `preflight-test`). Returns how many.
 */
export async function deleteUnusedInvitesOf(db: Database, target: { email: string; cohort: string }): Promise<number> {
  const rows = await withDbErrors(() =>
    db
      .delete(betaInvites)
      .where(
        and(
          eq(sql`lower(${betaInvites.email} COLLATE "C")`, target.email.trim().toLowerCase()),
          eq(betaInvites.cohort, target.cohort),
          isNull(betaInvites.usedAt),
        ),
      )
      .returning({ id: betaInvites.id }),
  );
  return rows.length;
}

/**
 * Lets the caller's transaction wait on work of its own before it commits
 * (files written and flushed, as `invites prepare` does per chunk) without the
 * server ending the session: `idle_in_transaction_session_timeout` is off for
 * this transaction only (SET LOCAL). A role or database with a short one
 * ended prepare's chunk mid-way.
 */
export async function allowIdleInTransaction(tx: Database): Promise<void> {
  await withDbErrors(() => tx.execute(sql`SET LOCAL idle_in_transaction_session_timeout = 0`));
}
