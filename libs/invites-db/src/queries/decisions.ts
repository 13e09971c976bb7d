import { sql } from 'drizzle-orm';
import type { Database } from '../connect.js';
import { rowsOf, toDate, withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';

/** The decision call's outcome (migrations/995_decisions.sql). */
export type DecisionValue = 'GO' | 'NO-GO';

export interface NewDecision {
  decision: DecisionValue;
  /** required for NO-GO: what must be fixed */
  note?: string | null;
  /** the people who took it */
  by?: string[];
}

export interface StoredDecision {
  id: number;
  decision: DecisionValue;
  note: string | null;
  by: string[];
  /** the newest stored gate run when the decision was recorded (null when none was stored) */
  gateRunId: number | null;
  gateVerdict: string | null;
  decidedAt: Date;
}

/** Longest note kept (characters). */
export const DECISION_NOTE_MAX = 4_000;

function checkDecision(input: NewDecision): { note: string | null; by: string[] } {
  if (input.decision !== 'GO' && input.decision !== 'NO-GO') throw new InvalidInputError('decision', 'must be GO or NO-GO');
  const note = input.note?.trim() ? input.note.trim() : null;
  if (input.decision === 'NO-GO' && !note) throw new InvalidInputError('note', 'a NO-GO needs a note: what must be fixed before the next call');
  if (note && note.length > DECISION_NOTE_MAX) throw new InvalidInputError('note', `at most ${DECISION_NOTE_MAX} characters`);
  const by = (input.by ?? []).map((b) => b.trim()).filter(Boolean);
  if (by.some((b) => b.length > 200)) throw new InvalidInputError('by', 'a name is at most 200 characters');
  return { note, by };
}

const COLUMNS = sql`id, decision, note, decided_by, gate_run_id, gate_verdict, decided_at`;

function fromRow(row: Record<string, unknown>): StoredDecision {
  const by = row['decided_by'];
  return {
    id: Number(row['id']),
    decision: row['decision'] as DecisionValue,
    note: (row['note'] as string | null) ?? null,
    by: Array.isArray(by) ? by.map(String) : typeof by === 'string' ? by.replace(/^\{|\}$/g, '').split(',').filter(Boolean).map((s) => s.replace(/^"|"$/g, '')) : [],
    gateRunId: row['gate_run_id'] === null || row['gate_run_id'] === undefined ? null : Number(row['gate_run_id']),
    gateVerdict: (row['gate_verdict'] as string | null) ?? null,
    decidedAt: toDate(row['decided_at'])!,
  };
}

/** Stores a decision, linked to the newest stored gate run (by started_at, then id) in the same statement. */
export async function recordDecision(db: Database, input: NewDecision): Promise<StoredDecision> {
  const { note, by } = checkDecision(input);
  const rows = rowsOf<Record<string, unknown>>(
    await withDbErrors(() =>
      db.execute(sql`
        WITH newest AS (SELECT id, verdict FROM gate_runs ORDER BY started_at DESC, id DESC LIMIT 1)
        INSERT INTO decisions (decision, note, decided_by, gate_run_id, gate_verdict)
        SELECT ${input.decision}, ${note}, ${`{${by.map((b) => `"${b.replace(/["\\]/g, '\\$&')}"`).join(',')}}`}::text[],
               (SELECT id FROM newest), (SELECT verdict FROM newest)
        RETURNING ${COLUMNS}`),
    ),
  );
  return fromRow(rows[0]!);
}

/** Decisions, newest first (at most `limit`, default 50). */
export async function listDecisions(db: Database, options: { limit?: number } = {}): Promise<StoredDecision[]> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidInputError('limit', 'must be an integer from 1 to 1000');
  const rows = rowsOf<Record<string, unknown>>(await withDbErrors(() => db.execute(sql`SELECT ${COLUMNS} FROM decisions ORDER BY decided_at DESC, id DESC LIMIT ${limit}`)));
  return rows.map(fromRow);
}

/** The newest decision, or null. */
export async function latestDecision(db: Database): Promise<StoredDecision | null> {
  return (await listDecisions(db, { limit: 1 }))[0] ?? null;
}
