import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import { digestCanonicalCode, normalizeCode } from '../code.js';
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

/**
 * How the lookup and redeem statements are sent. By default they are built
 * once per database object (drizzle `.prepare()`) and sent as prepared
 * statements: parsed and planned once per connection, not once per call.
 * `prepare: false` builds and sends them unprepared every time, for a client
 * behind a pooler that cannot keep prepared statements (PgBouncer in
 * transaction mode before 1.21, with node-postgres or another client that
 * names its statements). The answers are the same either way.
 */
export interface QueryOptions {
  /** send lookup and redeem as prepared statements (default true) */
  prepare?: boolean;
}

export interface RedeemOptions extends QueryOptions {
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

// Expiry by the database's clock, in both statements, so that they agree.
function lookupStatement(db: Database) {
  return db
    .select({ ...summaryColumns, expired: sql<boolean>`${betaInvites.expiresAt} <= now()` })
    .from(betaInvites)
    .where(eq(betaInvites.codeDigest, sql.placeholder('digest')))
    .limit(1);
}

function redeemStatement(db: Database) {
  return db
    .update(betaInvites)
    .set({ usedAt: sql`now()`, usedBy: sql`${sql.placeholder('userId')}` })
    .where(
      and(
        eq(betaInvites.codeDigest, sql.placeholder('digest')),
        isNull(betaInvites.usedAt),
        isNull(betaInvites.revokedAt),
        gt(betaInvites.expiresAt, sql`now()`),
      ),
    )
    .returning(summaryColumns);
}

/**
 * Prepared statements per database object: each one runs on its own
 * object's connection (a transaction's statements inside that transaction).
 * A transaction is a new object each time, so a statement it uses is built
 * once per transaction and dropped with it (weak keys). The names are fixed:
 * the same text under the same name on every connection.
 */
const preparedLookups = new WeakMap<Database, ReturnType<ReturnType<typeof lookupStatement>['prepare']>>();
const preparedRedeems = new WeakMap<Database, ReturnType<ReturnType<typeof redeemStatement>['prepare']>>();

/** The lookup's rows: prepared (default), or built and sent unprepared, keeping nothing on the connection. */
function lookupRows(db: Database, options: QueryOptions, values: { digest: string }) {
  if (options.prepare === false) return lookupStatement(db).execute(values);
  let statement = preparedLookups.get(db);
  if (!statement) preparedLookups.set(db, (statement = lookupStatement(db).prepare('veza_lookup_invite')));
  return statement.execute(values);
}

/** The redeem's rows, prepared or not, as lookupRows. */
function redeemRows(db: Database, options: QueryOptions, values: { digest: string; userId: string | null }) {
  if (options.prepare === false) return redeemStatement(db).execute(values);
  let statement = preparedRedeems.get(db);
  if (!statement) preparedRedeems.set(db, (statement = redeemStatement(db).prepare('veza_redeem_invite')));
  return statement.execute(values);
}

/**
 * The state of a code without consuming it. Throws INVITES_CODE_MALFORMED when
 * the input cannot be a code. Revoked wins over used, used over expired.
 */
export async function lookupInvite(db: Database, codeInput: string, options: QueryOptions = {}): Promise<LookupResult> {
  const digest = digestCanonicalCode(normalizeCode(codeInput));
  const [row] = await withDbErrors(() => lookupRows(db, options, { digest }));
  if (!row) return { state: 'unknown' };
  const { expired, ...invite } = row;
  return { state: stateOf({ ...invite, expired: Boolean(expired) }), invite };
}

/**
 * Consumes a code once, in one atomic statement: of any number of concurrent
 * redeems of one code, exactly one gets `ok: true`. The others learn why not.
 * With `queueWelcome`, the welcome email is queued in the same transaction.
 */
export async function redeemInvite(
  db: Database,
  codeInput: string,
  userId?: string | null,
  options: RedeemOptions = {},
): Promise<RedeemResult> {
  if (userId != null && !UUID_PATTERN.test(userId)) throw new InvalidInputError('userId', 'must be a UUID');
  const digest = digestCanonicalCode(normalizeCode(codeInput));
  const values = { digest, userId: userId ?? null };
  const redeemed = options.queueWelcome
    ? // The redemption and its welcome email commit together, or neither does.
      await withDbErrors(() =>
        db.transaction(async (tx) => {
          const [row] = await redeemRows(tx, options, values);
          if (row) await queueWelcomeEmail(tx, row);
          return row;
        }),
      )
    : (await withDbErrors(() => redeemRows(db, options, values)))[0];
  if (redeemed) return { ok: true, invite: redeemed };
  return { ok: false, ...(await lookupInvite(db, codeInput, options)) };
}
