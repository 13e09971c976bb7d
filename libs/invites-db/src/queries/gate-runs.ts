import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { rowsOf, toDate, withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';

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
    if (typeof run[field] !== 'string' || Number.isNaN(Date.parse(run[field]))) throw new InvalidInputError(`run.${field}`, 'must be an ISO timestamp');
  }
}

function fromRow<Run, State>(row: Record<string, unknown>): StoredGateRun<Run, State> {
  return {
    id: Number(row['id']),
    startedAt: toDate(row['started_at'])!,
    finishedAt: toDate(row['finished_at'])!,
    verdict: row['verdict'] as GateRunVerdict,
    exitCode: Number(row['exit_code']),
    run: row['run'] as Run,
    state: row['escalation_state'] as State,
    createdAt: toDate(row['created_at'])!,
  };
}

const COLUMNS = sql`id, started_at, finished_at, verdict, exit_code, run, escalation_state, created_at`;

/** Stores one run with the escalation state after it; returns the new row's id. */
export async function recordGateRun<Run extends GateRunLike>(db: Database, input: { run: Run; state: unknown }): Promise<{ id: number }> {
  checkRun(input.run);
  if (input.state === undefined) throw new InvalidInputError('state', 'is required (the escalation state after this run)');
  const rows = rowsOf<{ id: string | number }>(
    await withDbErrors(() =>
      db.execute(sql`
        INSERT INTO gate_runs (started_at, finished_at, verdict, exit_code, run, escalation_state)
        VALUES (${input.run.startedAt}::timestamptz, ${input.run.finishedAt}::timestamptz, ${input.run.verdict}, ${input.run.exitCode},
                ${JSON.stringify(input.run)}::jsonb, ${JSON.stringify(input.state)}::jsonb)
        RETURNING id`),
    ),
  );
  return { id: Number(rows[0]!.id) };
}

/** The most recent run (by started_at, then id), or null when none was stored. */
export async function latestGateRun<Run = GateRunLike, State = unknown>(db: Database): Promise<StoredGateRun<Run, State> | null> {
  const [latest] = await listGateRuns<Run, State>(db, { limit: 1 });
  return latest ?? null;
}

/** The most recent runs first, at most `limit` (default 20 runs, up to GATE_RUNS_MAX_LIMIT). */
export async function listGateRuns<Run = GateRunLike, State = unknown>(db: Database, options: { limit?: number } = {}): Promise<StoredGateRun<Run, State>[]> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > GATE_RUNS_MAX_LIMIT) throw new InvalidInputError('limit', `must be an integer from 1 to ${GATE_RUNS_MAX_LIMIT}`);
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() => db.execute(sql`SELECT ${COLUMNS} FROM gate_runs ORDER BY started_at DESC, id DESC LIMIT ${limit}`)),
  );
  return rows.map((row) => fromRow<Run, State>(row));
}

/** Whether migrations/991_gate_runs.sql was applied: storing runs needs it (withDbErrors would only say "not migrated"). */
export async function hasGateRunsTable(db: Database): Promise<boolean> {
  const rows = rowsOf<{ t: string | null }>(await withDbErrors(() => db.execute(sql`SELECT to_regclass('gate_runs')::text AS t`)));
  return Boolean(rows[0]?.t);
}
