import { and, desc, sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { decodeRows, withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';
import { gateAnnouncements, gateRuns } from '../schema.js';

/**
 * The gates monitor's history (migrations/991_gate_runs.sql). This lib does
 * not know @veza/gate-probes (data sits below gates): a run is any JSON
 * object with the four fields stored in columns, the escalation state any
 * JSON value; the caller gives the types back with the type parameters.
 */
export type GateRunVerdict = 'GO' | 'NO-GO' | 'INCONCLUSIVE';
const VERDICTS: readonly string[] = ['GO', 'NO-GO', 'INCONCLUSIVE'];

/** What the columns need from a run (a @veza/gate-probes GateRun has them). */
export interface GateRunLike {
  startedAt: string;
  finishedAt: string;
  verdict: GateRunVerdict;
  exitCode: number;
}

export interface StoredGateRun<Run = GateRunLike, State = unknown> {
  id: number;
  startedAt: Date;
  finishedAt: Date;
  verdict: GateRunVerdict;
  exitCode: number;
  run: Run;
  state: State;
  createdAt: Date;
}

/** Largest page listGateRuns returns (runs). */
export const GATE_RUNS_MAX_LIMIT = 1_000;

function checkRun(run: GateRunLike): void {
  if (!run || typeof run !== 'object') throw new InvalidInputError('run', 'must be an object');
  if (!VERDICTS.includes(run.verdict)) throw new InvalidInputError('run.verdict', 'must be GO, NO-GO or INCONCLUSIVE');
  if (![0, 1, 2].includes(run.exitCode)) throw new InvalidInputError('run.exitCode', 'must be 0, 1 or 2');
  for (const field of ['startedAt', 'finishedAt'] as const) {
    if (typeof run[field] !== 'string' || Number.isNaN(Date.parse(run[field])))
      throw new InvalidInputError(`run.${field}`, 'must be an ISO timestamp');
  }
}

/** Stores one run with the escalation state after it; returns the new row's id. */
export async function recordGateRun<Run extends GateRunLike>(db: Database, input: { run: Run; state: unknown }): Promise<{ id: number }> {
  checkRun(input.run);
  if (input.state === undefined) throw new InvalidInputError('state', 'is required (the escalation state after this run)');
  const [row] = await withDbErrors(() =>
    db
      .insert(gateRuns)
      .values({
        // the run's own ISO text, cast by PostgreSQL: a Date would drop sub-millisecond digits
        startedAt: sql`${input.run.startedAt}::timestamptz`,
        finishedAt: sql`${input.run.finishedAt}::timestamptz`,
        verdict: input.run.verdict,
        exitCode: input.run.exitCode,
        run: input.run,
        escalationState: input.state,
      })
      .returning({ id: gateRuns.id }),
  );
  return { id: row!.id };
}

/**
 * Which stored runs a query looks at: `source` keeps the runs whose `run.source` is that one, or that have none
 * (stored before runs said who ran them); `startedAt` the runs whose own `run.startedAt` is exactly that text
 * (a report names its run by it).
 */
export interface GateRunFilter {
  source?: string;
  startedAt?: string;
}

/**
 * The run stored last (by id, the order of insertion), or null when none was
 * stored. Not by started_at: a run stored once by a host whose clock was ahead
 * would stay "the latest" until real time caught up, and every monitor, cron
 * run, preflight and decision would read it instead of the newest.
 */
export async function latestGateRun<Run = GateRunLike, State = unknown>(
  db: Database,
  filter: GateRunFilter = {},
): Promise<StoredGateRun<Run, State> | null> {
  const [latest] = await listGateRuns<Run, State>(db, { ...filter, limit: 1 });
  return latest ?? null;
}

/** The runs stored last first (by id, as latestGateRun), at most `limit` (default 20 runs, up to GATE_RUNS_MAX_LIMIT). */
export async function listGateRuns<Run = GateRunLike, State = unknown>(
  db: Database,
  options: GateRunFilter & { limit?: number } = {},
): Promise<StoredGateRun<Run, State>[]> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > GATE_RUNS_MAX_LIMIT)
    throw new InvalidInputError('limit', `must be an integer from 1 to ${GATE_RUNS_MAX_LIMIT}`);
  const { source, startedAt } = options;
  const where = and(
    source === undefined ? undefined : sql`(${gateRuns.run}->>'source' = ${source} OR ${gateRuns.run}->>'source' IS NULL)`,
    startedAt === undefined ? undefined : sql`${gateRuns.run}->>'startedAt' = ${startedAt}`,
  );
  const rows = await withDbErrors(() => db.select().from(gateRuns).where(where).orderBy(desc(gateRuns.id)).limit(limit));
  return rows.map((row) => ({
    id: row.id,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    verdict: row.verdict as GateRunVerdict, // the table's CHECK allows only these three
    exitCode: row.exitCode,
    run: row.run as Run,
    state: row.escalationState as State,
    createdAt: row.createdAt,
  }));
}

/**
 * Whether migrations/991_gate_runs.sql was applied: storing runs needs it (withDbErrors would only say "not migrated").
 * Raw SQL: a catalogue lookup (to_regclass) on no table; decodeRows checks the answer.
 */
export async function hasGateRunsTable(db: Database): Promise<boolean> {
  const result = await withDbErrors(() => db.execute(sql`SELECT to_regclass('gate_runs')::text AS t`));
  return Boolean(decodeRows(result, { t: 'string?' }, 'hasGateRunsTable')[0]?.t);
}

/** Any 64-bit constant shared by every monitor of a database: they announce a verdict change one at a time. */
export const GATE_ANNOUNCE_LOCK_KEY = 7_346_193_998;

export type AnnounceOutcome<T> =
  /** `verdict` is the one last announced (by this monitor or another): nothing posted */
  | { posted: false; previous: GateRunVerdict }
  /** `post` was called with the verdict last announced; `result` is its answer (recorded when `ok`) */
  | { posted: true; previous: GateRunVerdict | null; result: T };

/**
 * Announces a verdict change once among the monitors of this database
 * (migrations/998_gate_announcements.sql): under a transaction advisory lock
 * they all take, compares `verdict` with the last one announced (`known`,
 * this monitor's own memory, when none is recorded yet) and calls `post` only
 * when it differs, recording the verdict in the same transaction when `post`
 * answers ok. Another monitor waits for the lock at most `waitMs` (then
 * SQLSTATE 55P03: nothing posted, the next run tries again); a monitor that
 * dies or freezes mid-post loses its session (idle_in_transaction_session_timeout
 * is `waitMs` + 5 s for this transaction), so its lock and unrecorded post go
 * with it and the other announces the change. `answered` is told at each
 * answer of the server within the transaction (its start, each statement): a
 * caller that bounds the wait for each answer, not the whole transaction.
 */
export async function announceGateVerdictOnce<T extends { ok: boolean }>(
  db: Database,
  options: { verdict: GateRunVerdict; known: GateRunVerdict | null; by: string; waitMs: number; answered?: () => void },
  post: (previous: GateRunVerdict | null) => Promise<T>,
): Promise<AnnounceOutcome<T>> {
  if (!VERDICTS.includes(options.verdict)) throw new InvalidInputError('verdict', 'must be GO, NO-GO or INCONCLUSIVE');
  const waitMs = Math.max(1, Math.round(options.waitMs));
  const answered = options.answered ?? (() => undefined);
  return withDbErrors(() =>
    db.transaction(async (tx) => {
      answered();
      await tx.execute(sql`SELECT set_config('lock_timeout', ${String(waitMs)}, true)`);
      answered();
      await tx.execute(sql`SELECT set_config('idle_in_transaction_session_timeout', ${String(waitMs + 5_000)}, true)`);
      answered();
      await tx.execute(sql`SELECT pg_advisory_xact_lock(${GATE_ANNOUNCE_LOCK_KEY}::bigint)`);
      answered();
      const [last] = await tx
        .select({ verdict: gateAnnouncements.verdict })
        .from(gateAnnouncements)
        .orderBy(desc(gateAnnouncements.id))
        .limit(1);
      answered();
      const previous = last ? (last.verdict as GateRunVerdict) : options.known; // the table's CHECK allows only the three
      if (previous === options.verdict) return { posted: false, previous };
      const result = await post(previous);
      if (result.ok) {
        await tx.insert(gateAnnouncements).values({ verdict: options.verdict, announcedBy: options.by });
        answered();
      }
      return { posted: true, previous, result };
    }),
  );
}
