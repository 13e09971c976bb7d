import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { rowsOf, toDate, withDbErrors } from '../db-errors.js';

/** Where the dispatch stands, for the launch-day checks (preflight --phase d-day, hour-1). */
export interface DispatchFacts {
  /** invites a dispatch has tried (sent, or at least one attempt) */
  attempted: number;
  sent: number;
  /** tried, not sent, no claim held, not revoked: the last error stands */
  failed: number;
  /** claimed and never confirmed: the outcome of that send is unknown */
  unknown: number;
  firstSentAt: Date | null;
  lastSentAt: Date | null;
}

export async function dispatchFacts(db: Database): Promise<DispatchFacts> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT
          count(*) FILTER (WHERE sent_at IS NOT NULL OR send_attempts > 0 OR send_claimed_at IS NOT NULL)::int AS attempted,
          count(*) FILTER (WHERE sent_at IS NOT NULL)::int AS sent,
          count(*) FILTER (WHERE sent_at IS NULL AND send_claimed_at IS NULL AND send_attempts > 0 AND revoked_at IS NULL)::int AS failed,
          count(*) FILTER (WHERE sent_at IS NULL AND send_claimed_at IS NOT NULL)::int AS unknown,
          min(sent_at) AS first_sent_at,
          max(sent_at) AS last_sent_at
        FROM beta_invites`),
    ),
  );
  const row = rows[0] ?? {};
  return {
    attempted: Number(row['attempted'] ?? 0),
    sent: Number(row['sent'] ?? 0),
    failed: Number(row['failed'] ?? 0),
    unknown: Number(row['unknown'] ?? 0),
    firstSentAt: toDate(row['first_sent_at']),
    lastSentAt: toDate(row['last_sent_at']),
  };
}

/** The invites whose last send failed, for the decision report (newest attempt first). */
export async function failedDispatches(db: Database, limit = 50): Promise<{ email: string; cohort: string; attempts: number; lastError: string | null }[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT email, cohort, send_attempts, last_send_error FROM beta_invites
        WHERE sent_at IS NULL AND revoked_at IS NULL AND (send_attempts > 0 OR send_claimed_at IS NOT NULL)
        ORDER BY email LIMIT ${limit}`),
    ),
  );
  return rows.map((r) => ({ email: String(r['email']), cohort: String(r['cohort']), attempts: Number(r['send_attempts']), lastError: (r['last_send_error'] as string | null) ?? null }));
}
