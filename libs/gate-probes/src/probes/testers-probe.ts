import { cohortHasInvites, countRedeemedInvites } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import type { TestersConfig } from '../config.js';
import { ProbeProblem, runProbe } from '../probe-kit.js';
import type { ProbeOptions } from '../probe-kit.js';
import { redactUrl } from '../redact.js';
import type { GateResult } from '../types.js';

/** Where the testers count comes from: any function, or an invites-db connection (see testersSource). */
export interface TestersSource {
  countRedeemed(cohort?: string): Promise<number>;
  /** whether any invite has this cohort label: a zero of TESTERS_COHORT is then said to be a label nobody has */
  cohortHasInvites?(cohort: string): Promise<boolean>;
  /** what the evidence shows as source, without password */
  target?: string;
}

/** Adapts an invites-db Connection (open it with statementTimeoutMs, see README). */
export function testersSource(conn: Connection): TestersSource {
  return {
    countRedeemed: (cohort) => countRedeemedInvites(conn.db, cohort),
    cohortHasInvites: (cohort) => cohortHasInvites(conn.db, cohort),
    target: conn.target,
  };
}

function isConnection(value: TestersSource | Connection): value is Connection {
  return 'db' in value && 'target' in value;
}

/** invites-db's typed codes and raw driver SQLSTATEs, walked through `cause`. */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  for (let e: unknown = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
  }
  return codes;
}

/**
 * Whether any invite has the label, for the hint beside a zero: null when the question fails or takes more
 * than half of what is left of the budget. A hint never changes the verdict: a count of 0 is 🔴, and a
 * failed or slow second query made it ⚪ (its error, or the gate's timeout).
 */
async function labelKnown(
  hasInvites: (cohort: string) => Promise<boolean>,
  cohort: string,
  ctx: { remainingMs(): number },
): Promise<boolean | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ctx.remainingMs() / 2);
  });
  try {
    return await Promise.race([hasInvites(cohort).catch(() => null), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Gate 1: redeemed invites (of one cohort, or all) against the target. A
 * missing source or table is ⚪ config, an unreachable database ⚪ unavailable,
 * a statement timeout (SQLSTATE 57014) ⚪ timeout.
 */
export function testersProbe(
  config: TestersConfig,
  source: TestersSource | Connection | undefined,
  options: ProbeOptions = {},
): Promise<GateResult> {
  return runProbe('testers', `≥ ${config.target}`, options, async (ctx) => {
    if (!source)
      throw new ProbeProblem('config', 'no database given to the testers gate (DATABASE_URL, or VEZA_DATA_DIR for the embedded one)');
    const counter = isConnection(source) ? testersSource(source) : source;
    ctx.source = counter.target ? redactUrl(counter.target) : null;
    let count: number;
    let unknownLabel = false;
    try {
      count = await counter.countRedeemed(config.cohort ?? undefined);
      // "0 of 40 testers signed up in cohort Paris" where 38 signed up in "paris" read as nobody signing up
      if (count === 0 && config.cohort && counter.cohortHasInvites)
        unknownLabel = (await labelKnown(counter.cohortHasInvites.bind(counter), config.cohort, ctx)) === false;
    } catch (error) {
      const codes = errorCodes(error);
      if (codes.includes('INVITES_DB_NOT_MIGRATED'))
        throw new ProbeProblem('config', "beta_invites does not exist: run 'veza-beta db migrate'");
      if (codes.includes('57014')) throw new ProbeProblem('timeout', 'the count query hit the statement timeout');
      // its message says where and why (a folder of another user, a read-only disk, a refused connection), URL redacted
      if (codes.includes('INVITES_DB_UNREACHABLE'))
        throw new ProbeProblem('unavailable', redactUrl((error as { message?: string }).message ?? 'the database did not answer'));
      throw error;
    }
    if (!Number.isInteger(count) || count < 0) throw new ProbeProblem('parse', `the count is not a whole number (${String(count)})`);
    const who = config.cohort ? ` in cohort ${config.cohort}` : '';
    const details = { cohort: config.cohort };
    const why = unknownLabel ? ': no invite has this cohort label (labels are case-sensitive; veza-beta invites report lists them)' : '';
    if (count < config.target)
      return { state: 'fail', value: count, summary: `${count} of ${config.target} testers signed up${who}${why}`, details };
    return {
      state: 'pass',
      value: count,
      summary: `${count} ${count === 1 ? 'tester' : 'testers'} signed up${who} (target ${config.target})`,
      details,
    };
  });
}
