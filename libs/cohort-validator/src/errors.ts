/**
 * The errors @veza/cohort-validator throws. Problems in the CSV itself are
 * never thrown: they are findings (see findings.ts). These are for a caller's
 * mistake (bad options) or a failing injected dependency (the user lookup).
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const COHORT_ERROR_CODES = Object.freeze(['COHORT_BAD_OPTIONS', 'COHORT_USER_CHECK_FAILED'] as const);
export type CohortErrorCode = (typeof COHORT_ERROR_CODES)[number];

/** Marks this package's errors in every copy of it loaded at once (Symbol.for: one symbol per process). */
const ERROR_BRAND = Symbol.for('@veza/cohort-validator.error');

export class CohortValidatorError extends Error {
  override name = 'CohortValidatorError';

  /**
   * `instanceof` also holds for an error thrown by another copy of this
   * package: a backend whose own @veza/cohort-validator is another version than the one
   * a lib it installed depends on has two (npm nests the second), and an
   * error from that one failed `instanceof` against the backend's classes.
   * The other copy's error carries the same brand; a subclass is matched by
   * its name. The `code`s are the same in every copy.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(ERROR_BRAND in value)) return false;
    return this === CohortValidatorError || (value as { name?: unknown }).name === this.name;
  }

  constructor(
    readonly code: CohortErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, ERROR_BRAND, { value: true });
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
