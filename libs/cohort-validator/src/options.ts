import { CohortOptionsError } from './errors.js';

/** The distribution a beta cohort should reach (the seed's checklist); below it is a warning, not a block. */
export interface Thresholds {
  /** valid rows */
  minRows: number;
  /** valid rows classified as creator */
  minCreators: number;
  /** valid rows classified as listener */
  minListeners: number;
  /** distinct cohort labels among valid rows */
  minLabels: number;
}

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = Object.freeze({
  minRows: 50,
  minCreators: 5,
  minListeners: 20,
  minLabels: 3,
});

export interface CohortValidationOptions {
  /** Overrides of DEFAULT_THRESHOLDS. */
  thresholds?: Partial<Thresholds>;
  /** Keep the valid rows in the result (what `invites prepare` needs); off by default so a large file stays small in memory. */
  collectRows?: boolean;
  /**
   * --check-users: given lower-cased emails, resolves to those that already
   * belong to a user. Called in batches of `userBatchSize` distinct emails.
   */
  existingUsers?: (emails: string[]) => Promise<Set<string>>;
  /** Emails per existingUsers call (default 1,000 emails). */
  userBatchSize?: number;
  /** Findings of one code kept in the result; the rest are only counted (default 1,000 findings). */
  maxFindingsPerCode?: number;
}

export interface ResolvedOptions {
  thresholds: Thresholds;
  collectRows: boolean;
  existingUsers: ((emails: string[]) => Promise<Set<string>>) | undefined;
  userBatchSize: number;
  maxFindingsPerCode: number;
}

export const DEFAULT_USER_BATCH_SIZE = 1_000;
export const DEFAULT_MAX_FINDINGS_PER_CODE = 1_000;

/** Checks and completes the options; throws CohortOptionsError (a caller's mistake, not a CSV problem). */
export function resolveOptions(options: CohortValidationOptions = {}): ResolvedOptions {
  const thresholds = { ...DEFAULT_THRESHOLDS };
  for (const [key, value] of Object.entries(options.thresholds ?? {})) {
    if (!Object.hasOwn(DEFAULT_THRESHOLDS, key))
      throw new CohortOptionsError(`thresholds.${key}`, `unknown threshold (known: ${Object.keys(DEFAULT_THRESHOLDS).join(', ')})`);
    if (value === undefined) continue;
    thresholds[key as keyof Thresholds] = wholeNumber(`thresholds.${key}`, value, 0);
  }
  return {
    thresholds,
    collectRows: options.collectRows ?? false,
    existingUsers: options.existingUsers,
    userBatchSize: wholeNumber('userBatchSize', options.userBatchSize ?? DEFAULT_USER_BATCH_SIZE, 1),
    maxFindingsPerCode: wholeNumber('maxFindingsPerCode', options.maxFindingsPerCode ?? DEFAULT_MAX_FINDINGS_PER_CODE, 1),
  };
}

function wholeNumber(option: string, value: unknown, min: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min)
    throw new CohortOptionsError(option, `must be a whole number ≥ ${min}, got ${String(value)}`);
  return value;
}
