/**
 * The errors of @veza/gate-probes. Probes never throw for what they observe
 * (that is a ⚪ with a reason); these are for callers' mistakes. Each has a
 * stable `code`, listed in the README. Messages never contain a token.
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const GATES_ERROR_CODES = Object.freeze(['GATES_CONFIG_INVALID', 'GATES_STATE_INVALID'] as const);
export type GatesErrorCode = (typeof GATES_ERROR_CODES)[number];

/** Marks this package's errors in every copy of it loaded at once (Symbol.for: one symbol per process). */
const ERROR_BRAND = Symbol.for('@veza/gate-probes.error');

export class GatesError extends Error {
  override name = 'GatesError';

  /**
   * `instanceof` also holds for an error thrown by another copy of this
   * package: a backend whose own @veza/gate-probes is another version than the one
   * a lib it installed depends on has two (npm nests the second), and an
   * error from that one failed `instanceof` against the backend's classes.
   * The other copy's error carries the same brand; a subclass is matched by
   * its name. The `code`s are the same in every copy.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (Function.prototype[Symbol.hasInstance].call(this, value)) return true;
    if (typeof value !== 'object' || value === null || !(ERROR_BRAND in value)) return false;
    return this === GatesError || (value as { name?: unknown }).name === this.name;
  }

  constructor(
    readonly code: GatesErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    Object.defineProperty(this, ERROR_BRAND, { value: true });
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
