/**
 * The errors @veza/cohort-validator throws. Problems in the CSV itself are
 * never thrown: they are findings (see findings.ts). These are for a caller's
 * mistake (bad options) or a failing injected dependency (the user lookup).
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const COHORT_ERROR_CODES = Object.freeze(['COHORT_BAD_OPTIONS', 'COHORT_USER_CHECK_FAILED'] as const);
export type CohortErrorCode = (typeof COHORT_ERROR_CODES)[number];

export class CohortValidatorError extends Error {
  override name = 'CohortValidatorError';
  constructor(
    readonly code: CohortErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** An option (threshold, batch size, cap) that is not a usable value. */
export class CohortOptionsError extends CohortValidatorError {
  override name = 'CohortOptionsError';
  constructor(
    readonly option: string,
    reason: string,
  ) {
    super('COHORT_BAD_OPTIONS', `option ${option}: ${reason}`);
  }
}

/** The injected existingUsers lookup (--check-users) failed; the validation is incomplete. */
export class CohortUserCheckError extends CohortValidatorError {
  override name = 'CohortUserCheckError';
  constructor(cause: unknown) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    super('COHORT_USER_CHECK_FAILED', `the existing-users lookup failed: ${reason}`, { cause });
  }
}
