import { errorBrand } from '@veza/invite-rules';
/**
 * The errors of @veza/gate-probes. Probes never throw for what they observe
 * (that is a ⚪ with a reason); these are for callers' mistakes. Each has a
 * stable `code`, listed in the README. Messages never contain a token.
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const GATES_ERROR_CODES = Object.freeze(['GATES_CONFIG_INVALID', 'GATES_STATE_INVALID'] as const);
export type GatesErrorCode = (typeof GATES_ERROR_CODES)[number];

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/gate-probes');

export class GatesError extends Error {
  override name = 'GatesError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, GatesError, value);
  }

  constructor(
    readonly code: GatesErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
  }
}

/** The configuration is invalid; `problems` names each variable. Exit code 3. */
export class GatesConfigError extends GatesError {
  override name = 'GatesConfigError';
  constructor(readonly problems: string[]) {
    super('GATES_CONFIG_INVALID', `invalid gates configuration: ${problems.join('; ')}`);
  }
}

/** A persisted escalation state that this version cannot read. */
export class GatesStateError extends GatesError {
  override name = 'GatesStateError';
  constructor(reason: string) {
    super('GATES_STATE_INVALID', `unreadable escalation state: ${reason}; start from an empty state`);
  }
}
