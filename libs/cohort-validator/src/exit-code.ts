import type { CohortValidation } from './validate-cohort.js';

/**
 * The exit code of `cohort validate`, as the seed's validate-cohort.sh:
 * 1 when anything blocks, 2 when there are only warnings (0 with `force`,
 * i.e. --force or FORCE=1), 0 when clean.
 */
export function exitCodeFor(result: Pick<CohortValidation, 'errors' | 'warnings'>, options: { force?: boolean } = {}): 0 | 1 | 2 {
  if (result.errors.length > 0) return 1;
  if (result.warnings.length > 0) return options.force ? 0 : 2;
  return 0;
}
