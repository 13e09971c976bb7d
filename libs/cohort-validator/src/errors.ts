import { errorBrand } from '@veza/invite-rules';
/**
 * The errors @veza/cohort-validator throws. Problems in the CSV itself are
 * never thrown: they are findings (see findings.ts). These are for a caller's
 * mistake (bad options) or a failing injected dependency (the user lookup).
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const COHORT_ERROR_CODES = Object.freeze(['COHORT_BAD_OPTIONS', 'COHORT_USER_CHECK_FAILED'] as const);
export type CohortErrorCode = (typeof COHORT_ERROR_CODES)[number];

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/cohort-validator');

export class CohortValidatorError extends Error {
  override name = 'CohortValidatorError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, CohortValidatorError, value);
  }

  constructor(
    readonly code: CohortErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
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
