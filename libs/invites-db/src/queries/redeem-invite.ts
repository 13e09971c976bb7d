import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { digestCode, normalizeCode } from '../code.js';
import type { Database } from '../connect.js';
import { UUID_PATTERN } from '@veza/invite-rules';
import { withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';
import { betaInvites } from '../schema.js';
import { queueWelcomeEmail } from './welcome-outbox.js';

export type InviteState = 'valid' | 'unknown' | 'used' | 'expired' | 'revoked';

/** What the signup path may know about an invite: never the code or its digest. */
export interface InviteSummary {
  id: string;
  email: string;
  cohort: string;
  name: string | null;
  role: string | null;
  expiresAt: Date;
  usedAt: Date | null;
  revokedAt: Date | null;
}

export type LookupResult = { state: 'unknown' } | { state: Exclude<InviteState, 'unknown'>; invite: InviteSummary };

export interface RedeemOptions {
  /** also queue the welcome email (welcome_outbox), in the same transaction as the redemption */
  queueWelcome?: boolean;
}

export type RedeemResult = { ok: true; invite: InviteSummary } | ({ ok: false } & LookupResult);

const summaryColumns = {
  id: betaInvites.id,
  email: betaInvites.email,
  cohort: betaInvites.cohort,
  name: betaInvites.name,
  role: betaInvites.role,
  expiresAt: betaInvites.expiresAt,
  usedAt: betaInvites.usedAt,
  revokedAt: betaInvites.revokedAt,
};


function stateOf(invite: InviteSummary & { expired: boolean }): Exclude<InviteState, 'unknown'> {
  if (invite.revokedAt) return 'revoked';
  if (invite.usedAt) return 'used';
  if (invite.expired) return 'expired';
  return 'valid';
}

/**
 * The state of a code without consuming it. Throws INVITES_CODE_MALFORMED when
 * the input cannot be a code. Revoked wins over used, used over expired.
 */
export async function lookupInvite(db: Database, codeInput: string): Promise<LookupResult> {
  const digest = digestCode(normalizeCode(codeInput));
  // Expiry by the database's clock, the same one redeemInvite's UPDATE uses.
  const [row] = await withDbErrors(() =>
    db
      .select({ ...summaryColumns, expired: sql<boolean>`${betaInvites.expiresAt} <= now()` })
      .from(betaInvites)
      .where(eq(betaInvites.codeDigest, digest))
      .limit(1),
  );
  if (!row) return { state: 'unknown' };
  const { expired, ...invite } = row;
  return { state: stateOf({ ...invite, expired: Boolean(expired) }), invite };
}

/**
 * Consumes a code once, in one atomic statement: of any number of concurrent
 * redeems of one code, exactly one gets `ok: true`. The others learn why not.
 * With `queueWelcome`, the welcome email is queued in the same transaction.
 */
export async function redeemInvite(db: Database, codeInput: string, userId?: string | null, options: RedeemOptions = {}): Promise<RedeemResult> {
  if (userId != null && !UUID_PATTERN.test(userId)) throw new InvalidInputError('userId', 'must be a UUID');
  const digest = digestCode(normalizeCode(codeInput));
  const redeemed = options.queueWelcome
    ? // The redemption and its welcome email commit together, or neither does.
      await withDbErrors(() =>
        db.transaction(async (tx) => {
          const [row] = await redeemStatement(tx, digest, userId);
          if (row) await queueWelcomeEmail(tx, row);
          return row;
        }),
      )
    : (await withDbErrors(() => redeemStatement(db, digest, userId)))[0];
  if (redeemed) return { ok: true, invite: redeemed };
  return { ok: false, ...(await lookupInvite(db, codeInput)) };
}

function redeemStatement(db: Database, digest: string, userId: string | null | undefined) {
  return db
      .update(betaInvites)
      .set({ usedAt: sql`now()`, usedBy: userId ?? null })
      .where(
        and(
          eq(betaInvites.codeDigest, digest),
          isNull(betaInvites.usedAt),
          isNull(betaInvites.revokedAt),
          gt(betaInvites.expiresAt, sql`now()`),
        ),
      )
      .returning(summaryColumns);
}
