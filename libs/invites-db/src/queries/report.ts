import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { rowsOf, withDbErrors } from '../db-errors.js';

export interface CohortFunnel {
  cohort: string;
  invited: number;
  sent: number;
  redeemed: number;
  /** unused, not revoked, past expires_at */
  expired: number;
  revoked: number;
  /** redeemed / (invited − revoked), 0 when nothing is live */
  redemptionRate: number;
}

export interface InviteReport {
  cohorts: CohortFunnel[];
  total: CohortFunnel;
}

function withRate(row: Omit<CohortFunnel, 'redemptionRate'>): CohortFunnel {
  const live = row.invited - row.revoked;
  return { ...row, redemptionRate: live > 0 ? row.redeemed / live : 0 };
}

/** The per-cohort funnel: invited, sent, redeemed, expired, revoked, and the redemption rate. */
export async function inviteReport(db: Database): Promise<InviteReport> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT cohort,
          count(*)::int AS invited,
          count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
          count(*) FILTER (WHERE used_at IS NOT NULL)::int AS redeemed,
          count(*) FILTER (WHERE used_at IS NULL AND revoked_at IS NULL AND expires_at <= now())::int AS expired,
          count(*) FILTER (WHERE revoked_at IS NOT NULL)::int AS revoked
        FROM beta_invites GROUP BY cohort ORDER BY cohort`),
    ),
  );
  const cohorts = rows.map((row) =>
    withRate({
      cohort: String(row['cohort']),
      invited: Number(row['invited']),
      sent: Number(row['sent']),
      redeemed: Number(row['redeemed']),
      expired: Number(row['expired']),
      revoked: Number(row['revoked']),
    }),
  );
  const sum = (key: 'invited' | 'sent' | 'redeemed' | 'expired' | 'revoked') => cohorts.reduce((n, c) => n + c[key], 0);
  const total = withRate({ cohort: 'total', invited: sum('invited'), sent: sum('sent'), redeemed: sum('redeemed'), expired: sum('expired'), revoked: sum('revoked') });
  return { cohorts, total };
}

/** Redeemed invites, all or of one cohort: the testers-signed-up gate. */
export async function countRedeemedInvites(db: Database, cohort?: string): Promise<number> {
  const rows = rowsOf<{ n: number }>(
    await withDbErrors(() =>
      db.execute(
        cohort === undefined
          ? sql`SELECT count(*)::int AS n FROM beta_invites WHERE used_at IS NOT NULL`
          : sql`SELECT count(*)::int AS n FROM beta_invites WHERE used_at IS NOT NULL AND cohort = ${cohort}`,
      ),
    ),
  );
  return Number(rows[0]?.n ?? 0);
}

/** Which of these emails already belong to a user (lower-cased): the validator's --check-users. */
export async function findExistingUserEmails(db: Database, emails: string[]): Promise<Set<string>> {
  if (emails.length === 0) return new Set();
  const rows = rowsOf<{ email: string }>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT DISTINCT lower(email) AS email FROM users
        WHERE lower(email) = ANY (ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(emails.map((e) => e.toLowerCase()))}::jsonb)))`),
    ),
  );
  return new Set(rows.map((row) => row.email));
}

/** Adds a user to the standalone users table (operators, demo, tests), or finds it (case-insensitive); returns its id. */
export async function createUser(db: Database, email: string): Promise<string> {
  return withDbErrors(() =>
    db.transaction(async (tx) => {
      const existing = rowsOf<{ id: string }>(await tx.execute(sql`SELECT id::text AS id FROM users WHERE lower(email) = lower(${email}) LIMIT 1`));
      if (existing[0]) return existing[0].id;
      return rowsOf<{ id: string }>(await tx.execute(sql`INSERT INTO users (email) VALUES (${email}) RETURNING id::text AS id`))[0]!.id;
    }),
  );
}
