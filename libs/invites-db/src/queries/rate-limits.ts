import { lt, sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { withDbErrors } from '../db-errors.js';
import { apiRateLimits } from '../schema.js';

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
  const rows = await withDbErrors(() =>
    db
      .insert(apiRateLimits)
      .values(batch.map((h) => ({ bucket: h.bucket, windowStart: h.windowStart, hits: h.hits })))
      .onConflictDoUpdate({
        target: [apiRateLimits.bucket, apiRateLimits.windowStart],
        set: { hits: sql`${apiRateLimits.hits} + excluded.hits` },
      })
      .returning({ bucket: apiRateLimits.bucket, windowStart: apiRateLimits.windowStart, hits: apiRateLimits.hits }),
  );
  return new Map(rows.map((r) => [`${r.bucket} ${r.windowStart.toISOString()}`, r.hits]));
}

/** Deletes the counters of windows that started before `before`; returns how many rows went. */
export async function purgeRateLimitWindows(db: Database, before: Date): Promise<number> {
  const gone = await withDbErrors(() =>
    db
      .delete(apiRateLimits)
      .where(lt(apiRateLimits.windowStart, before))
      .returning({ one: sql<number>`1` }),
  );
  return gone.length;
}
