import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { rowsOf, withDbErrors } from '../db-errors.js';

/** Hits a process counted locally for one bucket in one window, not yet added to the shared counter. */
export interface RateLimitHits {
  bucket: string;
  windowStart: Date;
  hits: number;
}

/**
 * Adds a batch of hits to `api_rate_limits` (migrations/992_api_rate_limits.sql)
 * in one statement and returns each bucket's total for its window, all
 * processes included: `${bucket} ${windowStart ISO}` → total.
 */
export async function settleRateLimitHits(db: Database, batch: readonly RateLimitHits[]): Promise<Map<string, number>> {
  if (batch.length === 0) return new Map();
  const values = sql.join(
    batch.map((h) => sql`(${h.bucket}, ${h.windowStart.toISOString()}::timestamptz, ${h.hits}::integer)`),
    sql`, `,
  );
  const rows = rowsOf<{ bucket: string; window_start: string | Date; hits: number | string }>(
    await withDbErrors(() =>
      db.execute(sql`
        INSERT INTO api_rate_limits (bucket, window_start, hits) VALUES ${values}
        ON CONFLICT (bucket, window_start) DO UPDATE SET hits = api_rate_limits.hits + EXCLUDED.hits
        RETURNING bucket, window_start, hits`),
    ),
  );
  return new Map(rows.map((r) => [`${r.bucket} ${new Date(r.window_start).toISOString()}`, Number(r.hits)]));
}

/** Deletes the counters of windows that started before `before`; returns how many rows went. */
export async function purgeRateLimitWindows(db: Database, before: Date): Promise<number> {
  const rows = rowsOf<{ n: number | string }>(
    await withDbErrors(() =>
      db.execute(sql`WITH gone AS (DELETE FROM api_rate_limits WHERE window_start < ${before.toISOString()}::timestamptz RETURNING 1) SELECT count(*) AS n FROM gone`),
    ),
  );
  return Number(rows[0]?.n ?? 0);
}
