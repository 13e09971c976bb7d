import { and, eq, inArray, isNotNull, isNull, sql } from 'drizzle-orm';
import type { SQL } from 'drizzle-orm';
import { LOCK_NAMESPACE } from '../connect.js';
import type { Database } from '../connect.js';
import { UUID_PATTERN } from '@veza/invite-rules';
import { isPostgresSql } from '../database-client.js';
import { decodeRows, withDbErrors } from '../db-errors.js';
import { UnexpectedRowError } from '../errors.js';
import { betaInvites } from '../schema.js';

/** Where one invite stands for the dispatcher. */
export interface SendState {
  id: string;
  /** `expired`: never sent and past its expires_at; it is never claimed, so never emailed */
  state: 'sent' | 'claimed' | 'ready' | 'revoked' | 'used' | 'expired' | 'missing';
  sentAt: Date | null;
  claimedAt: Date | null;
  claimedBy: string | null;
  attempts: number;
  lastError: string | null;
}

/**
 * `id = ANY(uuid[])` from one array parameter: the planner sees an array
 * constant and uses the primary key (a set-returning subquery is planned
 * blind, and after a bulk insert it degrades into a nested loop). Strings that
 * are not UUIDs match nothing.
 */
export function idIn(ids: string[]): SQL {
  return sql`${betaInvites.id} = ANY(${uuidArray(ids)}::uuid[])`;
}

/**
 * The array literal of the ids that are UUIDs, in the given order, each once (the first time,
 * whatever its case): a claim's window walks it row by row, and a repeated id would take a
 * place of its LIMIT.
 */
function uuidArray(ids: string[]): string {
  const seen = new Set<string>();
  const unique = ids.filter((id) => {
    const key = id.toLowerCase();
    if (!UUID_PATTERN.test(id) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return `{${unique.join(',')}}`;
}

/**
 * Runs a raw statement that a dispatcher sends once per batch, prepared on a
 * postgres.js connection: parsed and planned once per connection, then one
 * round trip per call. `db.execute` sends raw SQL unprepared, which postgres.js
 * does in two round trips (Parse and Describe, then Bind and Execute once the
 * server has told the parameters' types), and the server parses and plans it
 * each time: about 40% of PostgreSQL's CPU per email in a dispatch (DECISIONS.md,
 * twelfth round). `text` is a constant with $1…$n placeholders, handed to
 * postgres.js as it is with `params`: no drizzle template to build and render
 * per call (DECISIONS.md, thirteenth round). The CLI refuses a pooler
 * (connect.ts), which could not keep the statement. PGlite, or a transaction
 * (which has no `$client`: its statements stay in it), runs it through
 * `db.execute`.
 */
async function executePrepared(db: Database, text: string, params: readonly (string | number)[]): Promise<unknown> {
  const client = (db as { $client?: unknown }).$client;
  if (isPostgresSql(client)) return client.unsafe(text, params as (string | number)[], { prepare: true });
  return db.execute(withParams(text, params));
}

/** `text` as a drizzle SQL whose $1…$n are `params`, for `db.execute`. */
function withParams(text: string, params: readonly (string | number)[]): SQL {
  const parts = text.split(/\$(\d+)/);
  return sql.join(parts.map((part, i) => (i % 2 === 0 ? sql.raw(part) : sql`${params[Number(part) - 1]}`)));
}

/** Orders rows as `ids` lists them: a dispatcher claims in the caller's order (the manifest's, so the CSV's). */
function inGivenOrder(ids: string[]): SQL {
  return sql`array_position(${uuidArray(ids)}::uuid[], ${betaInvites.id})`;
}

/** What a claim may take: unsent, unclaimed, live invites. */
const CLAIMABLE = and(
  isNull(betaInvites.sentAt),
  isNull(betaInvites.sendClaimedAt),
  isNull(betaInvites.revokedAt),
  isNull(betaInvites.usedAt),
  sql`${betaInvites.expiresAt} > now()`,
);

/** The send state of each id, in input order ('missing' when no such invite). */
export async function sendStates(db: Database, ids: string[]): Promise<SendState[]> {
  if (ids.length === 0) return [];
  const rows = await withDbErrors(() =>
    db
      .select({
        id: betaInvites.id,
        sentAt: betaInvites.sentAt,
        claimedAt: betaInvites.sendClaimedAt,
        claimedBy: betaInvites.sendClaimedBy,
        attempts: betaInvites.sendAttempts,
        lastError: betaInvites.lastSendError,
        usedAt: betaInvites.usedAt,
        revokedAt: betaInvites.revokedAt,
        expired: sql<boolean>`${betaInvites.expiresAt} <= now()`,
      })
      .from(betaInvites)
      .where(idIn(ids)),
  );
  const byId = new Map(rows.map((row) => [row.id, row]));
  return ids.map((id): SendState => {
    const row = byId.get(id);
    if (!row) return { id, state: 'missing', sentAt: null, claimedAt: null, claimedBy: null, attempts: 0, lastError: null };
    const { sentAt, claimedAt } = row;
    const state = sentAt
      ? 'sent'
      : row.revokedAt
        ? 'revoked'
        : row.usedAt
          ? 'used'
          : row.expired
            ? 'expired'
            : claimedAt
              ? 'claimed'
              : 'ready';
    return { id, state, sentAt, claimedAt, claimedBy: row.claimedBy, attempts: row.attempts, lastError: row.lastError };
  });
}

/**
 * What every claim statement of this version says to the database (migration
 * 996_claim_guard.sql): its claimer compares the code of each email with the
 * invite's digest before sending it. An older veza-beta did not, and sent
 * codes that --reissue-unsent had replaced; its claims are refused. The
 * setting lasts for the statement's own transaction (set_config, local); an
 * uncorrelated subquery, so it is set once, before any row is claimed.
 */
const CLAIM_CHECKS_CODE_TEXT = "(SELECT set_config('veza_beta.claim_checks_code', 'on', true)) = 'on'";
const CLAIM_CHECKS_CODE = sql.raw(CLAIM_CHECKS_CODE_TEXT);

/**
 * Claims up to `limit` of the given invites for sending, skipping rows another
 * dispatcher holds or has claimed (FOR UPDATE SKIP LOCKED), and invites that
 * are revoked, used or expired: an expired code is never emailed. A claim is committed
 * before the send, so a crash leaves a visible "outcome unknown" claim behind
 * instead of a silent resend. Invites are taken in the order `ids` lists them;
 * returns the claimed ids in that order.
 */
export async function claimInvitesForSend(db: Database, ids: string[], worker: string, limit: number): Promise<string[]> {
  if (ids.length === 0 || limit <= 0) return [];
  const claimable = db
    .select({ id: betaInvites.id })
    .from(betaInvites)
    .where(and(idIn(ids), CLAIMABLE))
    .orderBy(inGivenOrder(ids))
    .limit(limit)
    .for('update', { skipLocked: true });
  const rows = await withDbErrors(() =>
    db
      .update(betaInvites)
      .set({ sendClaimedAt: sql`now()`, sendClaimedBy: worker })
      .where(and(inArray(betaInvites.id, claimable), CLAIM_CHECKS_CODE))
      .returning({ id: betaInvites.id }),
  );
  return inOrderOf(
    ids,
    rows.map((row) => row.id),
  );
}

/** `claimed` sorted as `ids` lists them (UPDATE … RETURNING gives rows in no set order). */
function inOrderOf(ids: string[], claimed: string[]): string[] {
  const rank = new Map(ids.map((id, i) => [id.toLowerCase(), i]));
  return claimed.sort((a, b) => (rank.get(a) ?? ids.length) - (rank.get(b) ?? ids.length));
}

/**
 * One round trip per batch for a dispatcher: records `sentIds` as sent (the
 * transport accepted them; as markInviteSent) and claims up to `limit` more of
 * `claimIds` (as claimInvitesForSend), in one statement. The two sets of rows
 * are disjoint: a sent id is claimed already, so the claim never picks it.
 * Returns the newly claimed ids, in the order `claimIds` lists them.
 *
 * The claim walks the given ids in order (unnest … WITH ORDINALITY, a
 * primary-key probe each, until `limit` are found) instead of sorting the
 * matching rows by array_position: 0.4 instead of 0.9 ms for a window of 38.
 * Both need current planner statistics (see analyzeInvites).
 *
 * Raw SQL: drizzle's builder cannot put a data-modifying UPDATE in a WITH
 * ahead of another UPDATE, and doing it in two statements would cost the
 * round trip this function exists to save. decodeRows checks what comes back.
 */
export async function markSentAndClaim(
  db: Database,
  sentIds: string[],
  claimIds: string[],
  worker: string,
  limit: number,
): Promise<string[]> {
  return (await markSentAndClaimWithDigests(db, sentIds, claimIds, worker, limit)).map((claim) => claim.id);
}

/** An invite a dispatcher claimed, with the digest of its code at the moment of the claim. */
export interface SendClaim {
  id: string;
  /** hex SHA-256 of the invite's code as the claim found it: it cannot change while the claim holds (a reissue refuses a claimed invite) */
  codeDigest: string;
}

/**
 * markSentAndClaim, each claim with its code's digest as of the claim: the one
 * a dispatcher compares the code of the .eml it is about to send with. A
 * digest read before the claim could be stale: `--reissue-unsent` may replace
 * an unclaimed invite's code at any moment before it is claimed.
 */
export async function markSentAndClaimWithDigests(
  db: Database,
  sentIds: string[],
  claimIds: string[],
  worker: string,
  limit: number,
): Promise<SendClaim[]> {
  return (await dispatchStep(db, { sentIds, claimIds, worker, limit })).claims;
}

/** What one dispatchStep did besides its claims. */
export interface DispatchStepResult {
  /** the new claims, in the order `claimIds` lists them, each with its code's digest */
  claims: SendClaim[];
  /** of `sentIds`, those revoked meanwhile: recorded as sent (the email went out), with a code that no longer works */
  sentRevoked: string[];
  /** of `recheckIds`, those revoked, redeemed, expired or deleted (`missing`) since this worker claimed them: the claim is given back (or gone with its row), do not send them */
  dropped: { id: string; state: 'revoked' | 'used' | 'expired' | 'missing' }[];
}

/**
 * dispatchStep's statement: the same text on every call, so it is written
 * once ($1 the sent ids, $2 the ids to recheck, $3 the worker, $4 the ids to
 * claim in order, $5 the claim's limit; the ids as uuidArray's literals).
 * The claim sets veza_beta.claim_checks_code with the text claimInvitesForSend uses (CLAIM_CHECKS_CODE_TEXT).
 */
const DISPATCH_STEP = `
        WITH sent AS (
          UPDATE beta_invites SET sent_at = now(), send_attempts = send_attempts + 1, last_send_error = NULL
          WHERE id = ANY($1::uuid[]) AND sent_at IS NULL
          RETURNING id, revoked_at IS NOT NULL AS revoked),
        dropped AS (
          UPDATE beta_invites SET send_claimed_at = NULL, send_claimed_by = NULL
          WHERE id = ANY($2::uuid[]) AND send_claimed_by = $3 AND sent_at IS NULL
            AND (revoked_at IS NOT NULL OR used_at IS NOT NULL OR expires_at <= now())
          RETURNING id, CASE WHEN revoked_at IS NOT NULL THEN 'revoked' WHEN used_at IS NOT NULL THEN 'used' ELSE 'expired' END AS state),
        missing AS (
          SELECT r.id FROM unnest($2::uuid[]) AS r (id)
          WHERE NOT EXISTS (SELECT 1 FROM beta_invites b WHERE b.id = r.id)),
        claimed AS (
          UPDATE beta_invites SET send_claimed_at = now(), send_claimed_by = $3
          WHERE id IN (
            SELECT b.id FROM unnest($4::uuid[]) WITH ORDINALITY AS given (id, position)
            JOIN beta_invites b ON b.id = given.id
            WHERE b.sent_at IS NULL AND b.send_claimed_at IS NULL AND b.revoked_at IS NULL AND b.used_at IS NULL
              AND b.expires_at > now()
            ORDER BY given.position
            LIMIT $5
            FOR UPDATE OF b SKIP LOCKED)
            AND ${CLAIM_CHECKS_CODE_TEXT}
          RETURNING id, code_digest)
        SELECT 'claimed' AS kind, id::text AS id, code_digest AS digest FROM claimed
        UNION ALL SELECT 'sentrevoked', id::text, NULL FROM sent WHERE revoked
        UNION ALL SELECT state, id::text, NULL FROM dropped
        UNION ALL SELECT 'missing', id::text, NULL FROM missing`;

/**
 * markSentAndClaimWithDigests, and two more things in the same round trip:
 * which of the emails recorded as sent were revoked while they were being
 * sent, and which of `recheckIds` (claimed by `worker` earlier, not tried
 * yet: a dispatcher's claims ahead) were revoked, redeemed or expired since
 * their claim. Those claims are given back; their emails must not be sent.
 * Without the recheck, an invite revoked after a claim ahead was sent all the
 * same, and counted as "sent now". A claim whose row is gone (`invites
 * cleanup` of an invite that expired meanwhile, a DELETE by hand) is dropped
 * as `missing`: it used to pass as still sendable, and its email went out
 * with a code no invite has.
 *
 * The three sets of rows are disjoint (a caller passes an id in one list at
 * most; a recheck row is claimed, a new claim is not), as PostgreSQL needs of
 * data-modifying CTEs that see one snapshot.
 */
export async function dispatchStep(
  db: Database,
  step: { sentIds: string[]; claimIds: string[]; recheckIds?: string[]; worker: string; limit: number },
): Promise<DispatchStepResult> {
  const { sentIds, claimIds, worker, limit } = step;
  const recheckIds = step.recheckIds ?? [];
  if (sentIds.length === 0 && recheckIds.length === 0 && (claimIds.length === 0 || limit <= 0))
    return { claims: [], sentRevoked: [], dropped: [] };
  const params = [uuidArray(sentIds), uuidArray(recheckIds), worker, uuidArray(limit > 0 ? claimIds : []), Math.max(0, limit)];
  const result = await withDbErrors(() => executePrepared(db, DISPATCH_STEP, params));
  const rows = decodeRows(result, { kind: 'string', id: 'string', digest: 'string?' }, 'markSentAndClaim');
  const digests = new Map<string, string>();
  const claimedIds: string[] = [];
  const sentRevoked: string[] = [];
  const dropped: DispatchStepResult['dropped'] = [];
  for (const row of rows) {
    if (row.kind === 'claimed' && row.digest !== null) {
      digests.set(row.id, row.digest);
      claimedIds.push(row.id);
    } else if (row.kind === 'sentrevoked') sentRevoked.push(row.id);
    else if (row.kind === 'revoked' || row.kind === 'used' || row.kind === 'expired' || row.kind === 'missing')
      dropped.push({ id: row.id, state: row.kind });
    else throw new UnexpectedRowError('markSentAndClaim', 'a row of no known kind');
  }
  return {
    claims: inOrderOf(claimIds, claimedIds).map((id) => ({ id, codeDigest: digests.get(id)! })),
    sentRevoked,
    dropped,
  };
}

/** Gives back claims this worker made but never tried to send (a dispatch that stopped early): they are ready again, not unknown. */
export async function releaseUntriedClaims(db: Database, ids: string[], worker: string): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await withDbErrors(() =>
    db
      .update(betaInvites)
      .set({ sendClaimedAt: null, sendClaimedBy: null })
      .where(and(idIn(ids), isNull(betaInvites.sentAt), eq(betaInvites.sendClaimedBy, worker)))
      .returning({ id: betaInvites.id }),
  );
  return rows.length;
}

/** The transport accepted the email: records sent_at. */
export async function markInviteSent(db: Database, id: string): Promise<void> {
  await withDbErrors(() =>
    db
      .update(betaInvites)
      .set({ sentAt: sql`now()`, sendAttempts: sql`${betaInvites.sendAttempts} + 1`, lastSendError: null })
      .where(and(eq(betaInvites.id, id), isNull(betaInvites.sentAt))),
  );
}

/** The send failed: releases the claim so a later run retries, and keeps the reason. */
export async function releaseSendClaim(db: Database, id: string, error: string): Promise<void> {
  await withDbErrors(() =>
    db
      .update(betaInvites)
      .set({
        sendClaimedAt: null,
        sendClaimedBy: null,
        sendAttempts: sql`${betaInvites.sendAttempts} + 1`,
        lastSendError: error.slice(0, 1000),
      })
      .where(and(eq(betaInvites.id, id), isNull(betaInvites.sentAt))),
  );
}

/**
 * Whether the dispatcher that made a claim still runs: it holds its lock
 * (Connection.holdLock) for as long as it lives. Try the lock and give it back
 * in one statement, so it is taken and released on the same session.
 *
 * Raw SQL: a SELECT with no table, on advisory-lock functions; decodeRows checks the answer.
 */
export async function isDispatcherAlive(db: Database, worker: string): Promise<boolean> {
  const result = await withDbErrors(() =>
    db.execute(sql`
        SELECT CASE WHEN pg_try_advisory_lock(${LOCK_NAMESPACE}, hashtext(${worker}))
          THEN NOT pg_advisory_unlock(${LOCK_NAMESPACE}, hashtext(${worker}))
          ELSE true END AS alive`),
  );
  return decodeRows(result, { alive: 'boolean' }, 'isDispatcherAlive')[0]?.alive === true;
}

/** Clears claims whose outcome is unknown (after a crash), so they are sent again. Explicit operator choice. */
export async function clearUnknownClaims(db: Database, ids: string[]): Promise<number> {
  if (ids.length === 0) return 0;
  const rows = await withDbErrors(() =>
    db
      .update(betaInvites)
      .set({ sendClaimedAt: null, sendClaimedBy: null })
      .where(and(idIn(ids), isNull(betaInvites.sentAt), isNotNull(betaInvites.sendClaimedAt)))
      .returning({ id: betaInvites.id }),
  );
  return rows.length;
}
