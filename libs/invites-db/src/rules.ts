/**
 * The rules an invite row must follow before it reaches the database. They
 * mirror the CHECK constraints of migrations/990_beta_invites.sql, so that a
 * bad row is refused with a clear reason instead of a database error.
 */
export const LIMITS = {
  /** RFC 5321 path limit, in characters. */
  emailLength: 254,
  /** RFC 5321 local-part limit, in characters. */
  localPartLength: 64,
  /** cohort label, in characters */
  cohortLength: 64,
  /** display name, in characters */
  nameLength: 200,
} as const;

export const ROLES = ['creator', 'listener'] as const;
export type Role = (typeof ROLES)[number];

/** Cohort labels: a letter or digit, then letters, digits, space, `.`, `_`, `:`, `+`, `/`, `-`. */
export const COHORT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:+/-]*$/;

// Deliberately ASCII: internationalised addresses need SMTPUTF8 end to end,
// which msmtp and most relays do not promise.
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/;

/** Why an email address cannot be invited, or null when it can. */
export function emailProblem(email: string): string | null {
  if (email.length === 0) return 'is empty';
  if (email.length > LIMITS.emailLength) return `is longer than ${LIMITS.emailLength} characters`;
  const at = email.lastIndexOf('@');
  if (at <= 0 || at === email.length - 1) return 'must look like name@domain';
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > LIMITS.localPartLength) return `local part is longer than ${LIMITS.localPartLength} characters`;
  if (!LOCAL_PART.test(local)) return 'local part has a character that is not allowed (spaces, quotes, non-ASCII, control characters)';
  const labels = domain.split('.');
  if (labels.length < 2) return 'domain must contain a dot';
  if (!labels.every((label) => DOMAIN_LABEL.test(label))) return 'domain is not a valid host name';
  if (/^[0-9]+$/.test(labels[labels.length - 1] ?? '')) return 'domain must not end with a number';
  return null;
}

/** Why a cohort label is refused, or null. */
export function cohortProblem(cohort: string): string | null {
  if (cohort.length === 0) return 'is empty';
  if (cohort.length > LIMITS.cohortLength) return `is longer than ${LIMITS.cohortLength} characters`;
  if (!COHORT_PATTERN.test(cohort)) return 'must start with a letter or digit and use only letters, digits, space and . _ : + / -';
  return null;
}

/** Why a display name is refused, or null. Names may be any language, but no control characters. */
export function nameProblem(name: string): string | null {
  if (name.length > LIMITS.nameLength) return `is longer than ${LIMITS.nameLength} characters`;
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(name)) return 'contains a control character or line break';
  return null;
}

/** A UUID in its canonical text form (users.id, beta_invites.id). */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
