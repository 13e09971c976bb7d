import { desc, sql } from 'drizzle-orm';
import { controlCharProblem } from '@veza/invite-rules';
import type { Database } from '../connect.js';
import { withDbErrors } from '../db-errors.js';
import { InvalidInputError } from '../errors.js';
import { decisions, gateRuns } from '../schema.js';

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
  const note = input.note?.trim() ? input.note.trim().replace(/\r\n?/g, '\n') : null;
  if (input.decision === 'NO-GO' && !note)
    throw new InvalidInputError('note', 'a NO-GO needs a note: what must be fixed before the next call');
  if (note && note.length > DECISION_NOTE_MAX) throw new InvalidInputError('note', `at most ${DECISION_NOTE_MAX} characters`);
  // Notes and names are printed in terminals (decision show) and logs: an escape sequence there could
  // clear the screen, retitle the window or hide text. Line breaks and tabs are fine in a note.
  const noteProblem = note === null ? null : controlCharProblem(note.replace(/[\n\t]/g, ' '));
  if (noteProblem) throw new InvalidInputError('note', `${noteProblem} (line breaks and tabs are fine)`);
  const by = (input.by ?? []).map((b) => b.trim()).filter(Boolean);
  if (by.some((b) => b.length > 200)) throw new InvalidInputError('by', 'a name is at most 200 characters');
  const byProblem = by.map(controlCharProblem).find(Boolean);
  if (byProblem) throw new InvalidInputError('by', `a name ${byProblem}`);
  return { note, by };
}

const COLUMNS = {
  id: decisions.id,
  decision: decisions.decision,
  note: decisions.note,
  by: decisions.decidedBy,
  gateRunId: decisions.gateRunId,
  gateVerdict: decisions.gateVerdict,
  decidedAt: decisions.decidedAt,
};

/** The table's CHECK allows only GO and NO-GO. */
function stored(row: Omit<StoredDecision, 'decision'> & { decision: string }): StoredDecision {
  return { ...row, decision: row.decision as DecisionValue };
}

/** The gate run stored last (by id, as latestGateRun: not by a started_at a skewed clock wrote), as a scalar subquery of one column. */
function newestGateRun(column: typeof gateRuns.id | typeof gateRuns.verdict) {
  return sql`(SELECT ${column} FROM ${gateRuns} ORDER BY ${gateRuns.id} DESC LIMIT 1)`;
}

/** Stores a decision, linked to the newest stored gate run in the same statement (one snapshot: both subqueries see the same run). */
export async function recordDecision(db: Database, input: NewDecision): Promise<StoredDecision> {
  const { note, by } = checkDecision(input);
  const [row] = await withDbErrors(() =>
    db
      .insert(decisions)
      .values({
        decision: input.decision,
        note,
        decidedBy: by,
        gateRunId: newestGateRun(gateRuns.id),
        gateVerdict: newestGateRun(gateRuns.verdict),
      })
      .returning(COLUMNS),
  );
  return stored(row!);
}

/** Decisions, newest first (at most `limit`, default 50). */
export async function listDecisions(db: Database, options: { limit?: number } = {}): Promise<StoredDecision[]> {
  const limit = options.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidInputError('limit', 'must be an integer from 1 to 1000');
  const rows = await withDbErrors(() =>
    db.select(COLUMNS).from(decisions).orderBy(desc(decisions.decidedAt), desc(decisions.id)).limit(limit),
  );
  return rows.map(stored);
}

/** The newest decision, or null. */
export async function latestDecision(db: Database): Promise<StoredDecision | null> {
  return (await listDecisions(db, { limit: 1 }))[0] ?? null;
}
