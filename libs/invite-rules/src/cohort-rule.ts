import { INVITE_LIMITS } from './limits.js';

/** Cohort labels: a letter or digit, then letters, digits, space, `.`, `_`, `:`, `+`, `/`, `-` (so `fans/discord` is one). */
export const COHORT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9 ._:+/-]*$/;

/** Why a cohort label is refused, or null. The label is taken as given: trim it first if it came from a file. */
export function cohortProblem(cohort: string): string | null {
  if (cohort.length === 0) return 'is empty';
  if (cohort.length > INVITE_LIMITS.cohortLength) return `is longer than ${INVITE_LIMITS.cohortLength} characters`;
  if (!COHORT_PATTERN.test(cohort)) return 'must start with a letter or digit and use only letters, digits, space and . _ : + / -';
  return null;
}

/**
 * The cohort of the invites a tool makes to test the path (veza-beta's
 * preflight): nobody invited. The funnel and the testers count leave it out,
 * so a cohort file may not use it (the cohort validator refuses it).
 */
export const TEST_COHORT = 'preflight-test';
