import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { UUID_PATTERN } from '@veza/invite-rules';
import { rowsOf, toDate, withDbErrors } from '../db-errors.js';

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

function uuidArray(ids: readonly string[]) {
  return sql`${`{${ids.filter((id) => UUID_PATTERN.test(id)).join(',')}}`}::uuid[]`;
}

/**
 * Queues the welcome email of a redeemed invite. Call it in the transaction of
 * the redemption (redeemInvite does with `queueWelcome`). At most one row per
 * invite: a second call does nothing.
 */
export async function queueWelcomeEmail(db: Database, invite: { id: string; email: string; name: string | null }): Promise<void> {
  await withDbErrors(() =>
    db.execute(sql`
      INSERT INTO welcome_outbox (invite_id, email, name) VALUES (${invite.id}::uuid, ${invite.email}, ${invite.name})
      ON CONFLICT (invite_id) DO NOTHING`),
  );
}

/**
 * Claims the oldest unsent, unclaimed welcome email with fewer than
 * `maxAttempts` attempts, skipping rows another sender holds (FOR UPDATE SKIP
 * LOCKED) and the ids in `exclude` (tried already by this drain). The claim is
 * committed before the send, as for invites.
 */
export async function claimWelcomeEmail(db: Database, worker: string, options: { maxAttempts: number; exclude?: readonly string[] }): Promise<WelcomeOutboxRow | undefined> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        UPDATE welcome_outbox SET claimed_at = now(), claimed_by = ${worker}
        WHERE id IN (
          SELECT id FROM welcome_outbox
          WHERE sent_at IS NULL AND claimed_at IS NULL AND attempts < ${options.maxAttempts}
            AND NOT (id = ANY(${uuidArray(options.exclude ?? [])}))
          ORDER BY created_at, id
          LIMIT 1
          FOR UPDATE SKIP LOCKED)
        RETURNING id::text AS id, invite_id::text AS invite_id, email, name, attempts`),
    ),
  );
  const row = rows[0];
  if (!row) return undefined;
  return { id: row['id'] as string, inviteId: row['invite_id'] as string, email: row['email'] as string, name: (row['name'] as string | null) ?? null, attempts: Number(row['attempts']) };
}

/** The transport accepted the welcome email. */
export async function markWelcomeSent(db: Database, id: string): Promise<void> {
  await withDbErrors(() =>
    db.execute(sql`
      UPDATE welcome_outbox SET sent_at = now(), attempts = attempts + 1, last_error = NULL
      WHERE id = ${id}::uuid AND sent_at IS NULL`),
  );
}

/** The send failed: releases the claim so a later drain retries, and keeps the reason. */
export async function releaseWelcomeClaim(db: Database, id: string, error: string): Promise<void> {
  await withDbErrors(() =>
    db.execute(sql`
      UPDATE welcome_outbox SET claimed_at = NULL, claimed_by = NULL, attempts = attempts + 1, last_error = ${error.slice(0, 1000)}
      WHERE id = ${id}::uuid AND sent_at IS NULL`),
  );
}

/** Unsent welcome emails that are claimed: in flight at a live sender, or with an unknown outcome (its sender died). */
export async function claimedWelcomeEmails(db: Database): Promise<WelcomeClaim[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT id::text AS id, email, claimed_by, claimed_at FROM welcome_outbox
        WHERE sent_at IS NULL AND claimed_at IS NOT NULL ORDER BY created_at, id`),
    ),
  );
  return rows.map((row) => ({ id: row['id'] as string, email: row['email'] as string, claimedBy: (row['claimed_by'] as string | null) ?? null, claimedAt: toDate(row['claimed_at']) }));
}

/** Clears claims whose outcome is unknown, so they are sent again. Explicit operator choice. */
export async function clearWelcomeClaims(db: Database, ids: readonly string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = rowsOf<{ id: string }>(
    await withDbErrors(() =>
      db.execute(sql`
        UPDATE welcome_outbox SET claimed_at = NULL, claimed_by = NULL
        WHERE id = ANY(${uuidArray(ids)}) AND sent_at IS NULL AND claimed_at IS NOT NULL
        RETURNING id::text AS id`),
    ),
  );
  return rows.length;
}

/** Unsent, unclaimed welcome emails that have used up their attempts (a drain no longer tries them). */
export async function exhaustedWelcomeEmails(db: Database, maxAttempts: number): Promise<{ id: string; email: string; attempts: number; lastError: string | null }[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT id::text AS id, email, attempts, last_error FROM welcome_outbox
        WHERE sent_at IS NULL AND claimed_at IS NULL AND attempts >= ${maxAttempts} ORDER BY created_at, id`),
    ),
  );
  return rows.map((row) => ({ id: row['id'] as string, email: row['email'] as string, attempts: Number(row['attempts']), lastError: (row['last_error'] as string | null) ?? null }));
}

/** Every row of the outbox, oldest first (reports and tests). */
export async function listWelcomeOutbox(db: Database): Promise<(WelcomeOutboxRow & { sentAt: Date | null; claimedBy: string | null; lastError: string | null })[]> {
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        SELECT id::text AS id, invite_id::text AS invite_id, email, name, attempts, sent_at, claimed_by, last_error
        FROM welcome_outbox ORDER BY created_at, id`),
    ),
  );
  return rows.map((row) => ({
    id: row['id'] as string,
    inviteId: row['invite_id'] as string,
    email: row['email'] as string,
    name: (row['name'] as string | null) ?? null,
    attempts: Number(row['attempts']),
    sentAt: toDate(row['sent_at']),
    claimedBy: (row['claimed_by'] as string | null) ?? null,
    lastError: (row['last_error'] as string | null) ?? null,
  }));
}
