import type { CohortSummary } from './cohort-checker.js';
import type { FindingCode } from './findings.js';

/** The distribution rules: each threshold not reached is one warning. */
export function thresholdFindings(summary: CohortSummary): { code: FindingCode; message: string }[] {
  const t = summary.thresholds;
  const out: { code: FindingCode; message: string }[] = [];
  if (summary.validRows < t.minRows)
    out.push({ code: 'COHORT_TOO_FEW_ROWS', message: `${summary.validRows} valid rows, fewer than the ${t.minRows} expected` });
  if (summary.creators < t.minCreators) {
    out.push({
      code: 'COHORT_TOO_FEW_CREATORS',
      message: `${summary.creators} creators, fewer than the ${t.minCreators} expected${unclassifiedHint(summary)}`,
    });
  }
  if (summary.listeners < t.minListeners) {
    out.push({
      code: 'COHORT_TOO_FEW_LISTENERS',
      message: `${summary.listeners} listeners, fewer than the ${t.minListeners} expected${unclassifiedHint(summary)}`,
    });
  }
  if (summary.distinctLabels < t.minLabels) {
    out.push({
      code: 'COHORT_TOO_FEW_LABELS',
      message: `${summary.distinctLabels} distinct cohort labels, fewer than the ${t.minLabels} expected`,
    });
  }
  return out;
}

function unclassifiedHint(summary: CohortSummary): string {
  return summary.unclassified > 0
    ? ` (${summary.unclassified} rows are unclassified: add a role column, or start their labels with creators- or listeners-)`
    : '';
}
