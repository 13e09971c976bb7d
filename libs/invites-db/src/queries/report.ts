import { and, eq, gte, isNotNull, ne, sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { decodeRows, withDbErrors } from '../db-errors.js';
import { UnexpectedRowError } from '../errors.js';
import { betaInvites, users } from '../schema.js';
import { TEST_COHORT } from '@veza/invite-rules';

/**
 * One cohort's funnel, counted in people: each address once, by its current
 * invite (the one not revoked, else its newest revoked one), in that invite's
 * cohort. An invite revoked and issued again (a bounce fixed, a resend) is
 * one person invited, not two; the columns add up to the total.
 */
export interface CohortFunnel {
  cohort: string;
  /** people whose current invite is in this cohort */
  invited: number;
  /**
   * of them, those whose current invite's email was sent (a revoked one counts when its email went), or
   * tried by a dispatch and redeemed since (a send cut by a crash whose code arrived): as dispatchFacts
   */
  sent: number;
  redeemed: number;
  /** unused, not revoked, past expires_at */
  expired: number;
  /** every invite of the address revoked, none issued again: left out */
  revoked: number;
  /** redeemed / (invited − revoked), 0 when nothing is live */
  redemptionRate: number;
}

export interface InviteReport {
  cohorts: CohortFunnel[];
  total: CohortFunnel;
}

/** The test cohort (@veza/invite-rules): a tool's own test invites, never counted in the funnel or the testers. */
export { TEST_COHORT } from '@veza/invite-rules';

function withRate(row: Omit<CohortFunnel, 'redemptionRate'>): CohortFunnel {
  const live = row.invited - row.revoked;
  return { ...row, redemptionRate: live > 0 ? row.redeemed / live : 0 };
}

/** `count(*) FILTER (WHERE …)` as a number on both drivers (postgres.js may send integers as text). */
function countWhere(condition?: ReturnType<typeof sql>) {
  return (condition ? sql`count(*) FILTER (WHERE ${condition})::int` : sql`count(*)::int`).mapWith(Number);
}

/**
 * The per-cohort funnel in people: invited, sent, redeemed, expired, revoked,
 * and the redemption rate. Raw SQL: one DISTINCT ON over the table picks each
 * address's current invite (at most one is not revoked: the unique index on
 * lower(email COLLATE "C")); decodeRows checks the answer on both drivers.
 */
export async function inviteReport(db: Database): Promise<InviteReport> {
  const rows = await withDbErrors(async () =>
    decodeRows(
      await db.execute(sql`
        WITH current_invite AS (
          SELECT DISTINCT ON (lower(email COLLATE "C")) cohort, sent_at, used_at, revoked_at, expires_at, send_attempts, send_claimed_at
          FROM beta_invites
          WHERE cohort <> ${TEST_COHORT}
          ORDER BY lower(email COLLATE "C"), (revoked_at IS NULL) DESC, created_at DESC, id DESC
        )
        SELECT cohort,
          count(*)::int AS invited,
          (count(*) FILTER (WHERE sent_at IS NOT NULL
            OR (used_at IS NOT NULL AND (send_attempts > 0 OR send_claimed_at IS NOT NULL))))::int AS sent,
          (count(*) FILTER (WHERE used_at IS NOT NULL))::int AS redeemed,
          (count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at <= now()))::int AS expired,
          (count(*) FILTER (WHERE revoked_at IS NOT NULL))::int AS revoked
        FROM current_invite
        GROUP BY cohort
        ORDER BY cohort`),
      { cohort: 'string', invited: 'number', sent: 'number', redeemed: 'number', expired: 'number', revoked: 'number' },
      'invite report',
    ),
  );
  const cohorts = rows.map(withRate);
  const sum = (key: 'invited' | 'sent' | 'redeemed' | 'expired' | 'revoked') => cohorts.reduce((n, c) => n + c[key], 0);
  const total = withRate({
    cohort: 'total',
    invited: sum('invited'),
    sent: sum('sent'),
    redeemed: sum('redeemed'),
    expired: sum('expired'),
    revoked: sum('revoked'),
  });
  return { cohorts, total };
}

/**
 * Redeemed invites, all (the test cohort's left out) or of one cohort: the
 * testers-signed-up gate. With `since`, only those redeemed from then on (the
 * launch-day hour-1 item: a test redemption days before is not the launch's).
 */
export async function countRedeemedInvites(db: Database, cohort?: string, options: { since?: Date } = {}): Promise<number> {
  const redeemed = options.since
    ? and(isNotNull(betaInvites.usedAt), gte(betaInvites.usedAt, options.since))
    : isNotNull(betaInvites.usedAt);
  const rows = await withDbErrors(() =>
    db
      .select({ n: countWhere() })
      .from(betaInvites)
      .where(and(redeemed, cohort === undefined ? ne(betaInvites.cohort, TEST_COHORT) : eq(betaInvites.cohort, cohort))),
  );
  return rows[0]?.n ?? 0;
}

/**
 * Whether any invite (used or not, revoked or not) has this cohort label: the
 * testers gate's zero for a label nobody has (a typo, another case: labels are
 * case-sensitive) is said to be that, not read as nobody signing up.
 */
export async function cohortHasInvites(db: Database, cohort: string): Promise<boolean> {
  const rows = await withDbErrors(() => db.select({ id: betaInvites.id }).from(betaInvites).where(eq(betaInvites.cohort, cohort)).limit(1));
  return rows.length > 0;
}

/**
 * Deletes the test invites (TEST_COHORT) of addresses at `domain` made more
 * than `olderThanMs` ago, used or not: those a tool's run killed before its
 * own clean-up left behind (a younger one may be another run's, still in use),
 * by the database's clock.
 * Returns how many.
 */
export async function deleteTestInvites(db: Database, domain: string, olderThanMs: number): Promise<number> {
  const rows = await withDbErrors(() =>
    db
      .delete(betaInvites)
      .where(
        and(
          eq(betaInvites.cohort, TEST_COHORT),
          sql`lower(${betaInvites.email} COLLATE "C") LIKE ${`%@${domain.toLowerCase()}`}`,
          // by the database's clock, which wrote created_at: this machine's, ahead, took another run's live one
          sql`${betaInvites.createdAt} < now() - make_interval(secs => ${olderThanMs / 1000})`,
        ),
      )
      .returning({ id: betaInvites.id }),
  );
  return rows.length;
}

/** Which of these emails already belong to a user (lower-cased): the validator's --check-users. */
export async function findExistingUserEmails(db: Database, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const lowered = JSON.stringify(emails.map((e) => e.toLowerCase()));
  const rows = await withDbErrors(() =>
    db
      .selectDistinct({ email: sql<string>`lower(${users.email} COLLATE "C")` })
      .from(users)
      .where(sql`lower(${users.email} COLLATE "C") = ANY (ARRAY(SELECT jsonb_array_elements_text(${lowered}::jsonb)))`),
  );
  return new Set(rows.map((row) => row.email));
}

/** Adds a user to the standalone users table (operators, demo, tests), or finds it (case-insensitive); returns its id. */
export async function createUser(db: Database, email: string): Promise<string> {
  return withDbErrors(() =>
    db.transaction(async (tx) => {
      const [existing] = await tx
        .select({ id: users.id })
        .from(users)
        .where(eq(sql`lower(${users.email} COLLATE "C")`, sql`lower(${email}::text COLLATE "C")`))
        .limit(1);
      if (existing) return existing.id;
      // Raw SQL: users may be the backend's own table, without the created_at of this lib's
      // minimal view, and drizzle's insert names every column of the view.
      const inserted = await tx.execute(sql`INSERT INTO users (email) VALUES (${email}) RETURNING id::text AS id`);
      const [created] = decodeRows(inserted, { id: 'string' }, 'createUser');
      if (!created) throw new UnexpectedRowError('createUser', 'the insert returned no row');
      return created.id;
    }),
  );
}
