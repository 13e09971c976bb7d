/**
 * The rules of the other columns, the same as @veza/invites-db's rules.ts so
 * that a file that validates here is accepted by `invites prepare`.
 */
import { emailProblem, isUuid } from './email-address.js';

export const FIELD_LIMITS = {
  /** cohort label, in characters */
  cohortLength: 64,
  /** display name, in characters */
  nameLength: 200,
} as const;

/** Cohort labels: a letter or digit, then letters, digits, space, `.`, `_`, `:`, `+`, `/`, `-`. */
export const COHORT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:+/-]*$/;

export const ROLES = ['creator', 'listener'] as const;
export type Role = (typeof ROLES)[number];

// C0 controls, DEL, and the Unicode line/paragraph separators: any of them in
// a field can end up in a mail header (header injection) or break a log line.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** Why a cohort label is refused, or null. */
export function cohortProblem(cohort: string): string | null {
  if (cohort.length === 0) return 'is empty';
  if (cohort.length > FIELD_LIMITS.cohortLength) return `is longer than ${FIELD_LIMITS.cohortLength} characters`;
  if (!COHORT_PATTERN.test(cohort)) return 'must start with a letter or digit and use only letters, digits, space and . _ : + / -';
  return null;
}

/** Why a display name is refused, or null (control characters are checked for every field beforehand). */
export function nameProblem(name: string): string | null {
  if (name.length > FIELD_LIMITS.nameLength) return `is longer than ${FIELD_LIMITS.nameLength} characters`;
  return null;
}

/** The role a cell names (case-insensitive), or null when it names none. */
export function parseRole(cell: string): Role | null {
  const lower = cell.toLowerCase();
  return lower === 'creator' || lower === 'listener' ? lower : null;
}

/** Why a sent_by cell is refused, or null: it must be the inviter's email or users.id (UUID). */
export function sentByProblem(sentBy: string): string | null {
  if (isUuid(sentBy)) return null;
  const problem = emailProblem(sentBy);
  return problem ? `must be the inviter's email or user id (UUID); as an email it ${problem.reason}` : null;
}
