import { is, sql } from 'drizzle-orm';
import { PgTransaction } from 'drizzle-orm/pg-core';
import type { Database } from '../connect.js';
import { describeCause } from '../errors.js';
import { decodeRows, isSessionRefusal, withDbErrors } from '../db-errors.js';
import { UUID_PATTERN } from '@veza/invite-rules';
import type { Role } from '@veza/invite-rules';
import { planInvites } from './plan-invites.js';
import type { Candidate } from './plan-invites.js';

export interface NewInvite {
  email: string;
  cohort: string;
  name?: string | null | undefined;
  role?: Role | (string & NonNullable<unknown>) | null | undefined;
  /** The inviter: a users.id (UUID) or the email of an existing user. */
  sentBy?: string | null | undefined;
}

export interface CreateOptions {
  /** Days until the invite expires (default 30 days). */
  ttlDays?: number;
  /**
   * Rows per INSERT statement. Default: half the rows, between 250 and 1,000,
   * so that a creation of up to 2,000 rows still has two INSERTs in flight
   * (1,000 inside a caller's transaction, where they go one at a time).
   */
  chunkSize?: number;
}

export type CreateOutcome =
  | { status: 'created'; index: number; id: string; email: string; cohort: string; name: string | null; code: string; expiresAt: Date }
  | { status: 'skipped'; index: number; email: string; reason: string; existingId?: string; existingSentAt?: Date | null }
  | { status: 'failed'; index: number; email: string; field: string; reason: string };

/** Default rows per INSERT: at most (one statement's work) and at least (below it, one INSERT is cheaper than two). */
const MAX_CHUNK_ROWS = 1000;
const MIN_CHUNK_ROWS = 250;

/** Maps each sent_by value (UUID or email) to a users.id, for the values that match a user. */
async function resolveSenders(db: Database, values: string[]): Promise<Map<string, string>> {
  const resolved = new Map<string, string>();
  if (values.length === 0) return resolved;
  // Raw SQL: `users` may be the backend's own table, matched by id or email in one round trip.
  const rows = decodeRows(
    await db.execute(sql`
      SELECT id::text AS id, lower(email COLLATE "C") AS email FROM users
      WHERE id::text = ANY (ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values.filter((v) => UUID_PATTERN.test(v)).map((v) => v.toLowerCase()))}::jsonb)))
         OR lower(email COLLATE "C") = ANY (ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(values.map((v) => v.toLowerCase()))}::jsonb)))`),
    { id: 'string', email: 'string' },
    'resolve sent_by',
  );
  for (const value of values) {
    const key = value.toLowerCase();
    const match = rows.find((row) => row.id === key || row.email === key);
    if (match) resolved.set(value, match.id);
  }
  return resolved;
}

/**
 * Said by every insert of this version (1001_left_out_guard.sql): it comes from a writer that knows of
 * beta_invite_left_out (997). An insert by an older one, for an address still kept there at its commit,
 * is refused. An uncorrelated subquery: set once, for the statement's own transaction, before its rows.
 */
const KNOWS_LEFT_OUT_TEXT = "(SELECT set_config('veza_beta.knows_left_out', 'on', true)) = 'on'";

/**
 * An address invited now is no longer left out: the record a cleanup kept of it (997) goes with the
 * insert, in the same statement (leftOutAddresses: "not invited since"). Kept, it came back once this
 * invite expired and was cleaned up, and prepare skipped the person as revoked on the old date.
 * The digest as emailDigest computes it; the table is read only when it has rows.
 */
async function insertChunk(db: Database, chunk: Candidate[], ttlDays: number) {
  const payload = JSON.stringify(chunk.map((c) => ({ d: c.digest, e: c.email, c: c.cohort, n: c.name, r: c.role, s: c.sentBy })));
  // Raw SQL: one jsonb parameter for the whole chunk (a VALUES list would need thousands of parameters), and the partial unique index as conflict target.
  return decodeRows(
    await db.execute(sql`
      WITH inserted AS (
        INSERT INTO beta_invites (code_digest, email, cohort, name, role, sent_by, expires_at)
        SELECT r.d, r.e, r.c, r.n, r.r, r.s, now() + make_interval(days => ${ttlDays}::int)
        FROM jsonb_to_recordset(${payload}::jsonb) AS r(d text, e text, c text, n text, r text, s uuid)
        WHERE ${sql.raw(KNOWS_LEFT_OUT_TEXT)}
        ON CONFLICT (lower(email COLLATE "C")) WHERE revoked_at IS NULL DO NOTHING
        RETURNING id, code_digest, expires_at, email),
      lifted AS (
        DELETE FROM beta_invite_left_out
        WHERE EXISTS (SELECT 1 FROM beta_invite_left_out)
          AND email_digest IN (SELECT encode(sha256(convert_to(lower(i.email COLLATE "C"), 'UTF8')), 'hex') FROM inserted i))
      SELECT id::text AS id, code_digest AS digest, expires_at AS expires FROM inserted`),
    { id: 'string', digest: 'string', expires: 'date' },
    'createInvites insert',
  );
}

async function existingInvites(db: Database, emails: string[]) {
  const rows = decodeRows(
    await db.execute(sql`
      SELECT id::text AS id, lower(email COLLATE "C") AS email, sent_at AS sent, used_at AS used, expires_at <= now() AS expired FROM beta_invites
      WHERE revoked_at IS NULL AND lower(email COLLATE "C") = ANY (ARRAY(SELECT jsonb_array_elements_text(${JSON.stringify(emails.map((e) => e.toLowerCase()))}::jsonb)))`),
    { id: 'string', email: 'string', sent: 'date?', used: 'date?', expired: 'boolean' },
    'existing invites',
  );
  return new Map(rows.map((row) => [row.email, row]));
}

/**
 * Expired by the database's clock, as cleanup and dispatch judge it: this machine's clock, a few minutes
 * off, said "run cleanup" for an invite cleanup then kept, and "already has an invite" for one dispatch skips.
 */
function existingReason(row: { used: Date | null; expired: boolean; sent: Date | null }): string {
  if (row.used) return 'this email already redeemed an invite';
  if (row.expired) return 'this email has an expired invite; run cleanup (it deletes expired unused invites) to invite again';
  return row.sent ? 'this email already has an invite (sent)' : 'this email already has an invite (not sent yet)';
}

/**
 * The insert step: one chunk of planned rows in one INSERT, inside its own
 * (sub)transaction, and what each row became (created, skipped because the
 * email has a live invite, or failed). Writes into `outcomes` by input index.
 */
async function insertCandidates(db: Database, chunk: Candidate[], outcomes: (CreateOutcome | undefined)[], ttlDays: number): Promise<void> {
  let inserted: Awaited<ReturnType<typeof insertChunk>>;
  try {
    // Each INSERT in its own (sub)transaction: inside a caller's transaction a refused
    // chunk rolls back to its savepoint, so the row-by-row retry below can still run.
    inserted = await withDbErrors(() => db.transaction((sp) => insertChunk(sp, chunk, ttlDays)));
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('INVITES_DB_') || isSessionRefusal(error)) throw error;
    inserted = [];
    for (const candidate of chunk) {
      try {
        inserted.push(...(await withDbErrors(() => db.transaction((sp) => insertChunk(sp, [candidate], ttlDays)))));
      } catch (rowError) {
        if ((rowError as { code?: string }).code?.startsWith('INVITES_DB_')) throw rowError;
        outcomes[candidate.index] = {
          status: 'failed',
          index: candidate.index,
          email: candidate.email,
          field: 'row',
          reason: `database refused the row: ${describeCause(rowError)}`,
        };
      }
    }
  }
  const byDigest = new Map(inserted.map((row) => [row.digest, row]));
  const conflicts: Candidate[] = [];
  for (const candidate of chunk) {
    if (outcomes[candidate.index]) continue;
    const row = byDigest.get(candidate.digest);
    if (row) {
      outcomes[candidate.index] = {
        status: 'created',
        index: candidate.index,
        id: row.id,
        email: candidate.email,
        cohort: candidate.cohort,
        name: candidate.name,
        code: candidate.code,
        expiresAt: row.expires,
      };
    } else {
      conflicts.push(candidate);
    }
  }
  if (conflicts.length > 0) {
    const existing = await withDbErrors(() =>
      existingInvites(
        db,
        conflicts.map((c) => c.email),
      ),
    );
    for (const candidate of conflicts) {
      const row = existing.get(candidate.email.toLowerCase());
      outcomes[candidate.index] = {
        status: 'skipped',
        index: candidate.index,
        email: candidate.email,
        reason: row ? existingReason(row) : 'this email already has an invite',
        ...(row ? { existingId: row.id, existingSentAt: row.sent } : {}),
      };
    }
  }
}

/**
 * Creates one invite per row, in chunks of one INSERT each. One bad row never
 * poisons the others: rows that break a rule fail with a reason before the
 * database; a chunk the database refuses is retried row by row. An email that
 * already has a live invite (case-insensitive) is skipped, so running the same
 * cohort twice creates nothing the second time. Outcomes come back in input order.
 */
export async function createInvites(db: Database, rows: NewInvite[], options: CreateOptions = {}): Promise<CreateOutcome[]> {
  const ttlDays = options.ttlDays ?? 30;
  const senderValues = [...new Set(rows.map((row) => row.sentBy?.trim()).filter((v): v is string => Boolean(v)))];
  const senders = await withDbErrors(() => resolveSenders(db, senderValues));

  const { outcomes, pending } = planInvites(rows, senders);

  // Two chunks in flight on a pool: two connections insert at once (one core each), and the
  // database inserts one while this process prepares the next. 1,000 rows as two 500-row
  // INSERTs took about 15% less time than as one, on a server with fsync on. Inside a caller's
  // transaction the chunks share its one connection, and their savepoints must not interleave
  // (a refused chunk's rollback would undo the other's rows): one at a time.
  // is(): drizzle's own check, by entity kind, so that a transaction from the caller's copy of drizzle counts too
  const inFlight = is(db, PgTransaction) ? 1 : 2;
  const chunkSize =
    options.chunkSize ??
    (inFlight === 1 ? MAX_CHUNK_ROWS : Math.min(MAX_CHUNK_ROWS, Math.max(MIN_CHUNK_ROWS, Math.ceil(pending.length / 2))));
  const chunks: Candidate[][] = [];
  for (let start = 0; start < pending.length; start += chunkSize) chunks.push(pending.slice(start, start + chunkSize));
  // After a failure (the database gone, say) no chunk is started, and the call ends only when the
  // chunk still in flight has ended too: nothing is inserted after createInvites has thrown.
  let next = 0;
  let failure: { error: unknown } | undefined;
  const worker = async () => {
    while (!failure && next < chunks.length) {
      try {
        await insertCandidates(db, chunks[next++]!, outcomes, ttlDays);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(inFlight, chunks.length) }, worker));
  if (failure) throw failure.error;
  return outcomes as CreateOutcome[];
}

/**
 * Refreshes PostgreSQL's planner statistics of beta_invites (`ANALYZE`), as
 * PostgreSQL's docs advise after a bulk load: call it once the first batch of
 * a large creation is in. Autovacuum does it too, but only a minute or more
 * later; until then the planner may still believe the table nearly empty and
 * pick plans that scan all of it (a dispatch claim measured at 3 ms instead of
 * 0.4 right after a 10,000-row prepare). It changes plans, never results; a
 * role that does not own the table gets a warning from PostgreSQL and nothing
 * changes.
 */
export async function analyzeInvites(db: Database): Promise<void> {
  await withDbErrors(() => db.execute(sql`ANALYZE beta_invites`));
}
