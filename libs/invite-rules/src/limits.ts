/**
 * Every length limit of an invite, in characters. The database enforces the
 * same numbers (CHECK constraints of migrations/990_beta_invites.sql); a test
 * in @veza/invites-db holds the two together.
 */
export const INVITE_LIMITS = Object.freeze({
  /** whole address: the RFC 5321 path limit */
  emailLength: 254,
  /** local part (before the @): the RFC 5321 limit */
  localPartLength: 64,
  /** cohort label */
  cohortLength: 64,
  /** display name */
  nameLength: 200,
});
