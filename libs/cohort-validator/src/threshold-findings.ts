import type { CohortSummary } from './cohort-checker.js';
import type { FindingCode } from './findings.js';

/** The distribution rules: each threshold not reached is one warning. */
export function thresholdFindings(summary: CohortSummary): { code: FindingCode; message: string }[] {
  const t = summary.thresholds;
  const out: { code: FindingCode; message: string }[] = [];
  if (summary.validRows < t.minRows)
    out.push({ code: 'COHORT_TOO_FEW_ROWS', message: `${count(summary.validRows, 'valid row')}, fewer than the ${t.minRows} expected` });
  if (summary.creators < t.minCreators) {
    out.push({
      code: 'COHORT_TOO_FEW_CREATORS',
      message: `${count(summary.creators, 'creator')}, fewer than the ${t.minCreators} expected${unclassifiedHint(summary)}`,
    });
  }
  if (summary.listeners < t.minListeners) {
    out.push({
      code: 'COHORT_TOO_FEW_LISTENERS',
      message: `${count(summary.listeners, 'listener')}, fewer than the ${t.minListeners} expected${unclassifiedHint(summary)}`,
    });
  }
  if (summary.distinctLabels < t.minLabels) {
    out.push({
      code: 'COHORT_TOO_FEW_LABELS',
      message: `${count(summary.distinctLabels, 'distinct cohort label')}, fewer than the ${t.minLabels} expected`,
    });
  }
  return out;
}

function unclassifiedHint(summary: CohortSummary): string {
  return summary.unclassified > 0
    ? ` (${summary.unclassified === 1 ? '1 row is' : `${summary.unclassified} rows are`} unclassified: add a role column, or start their labels with creators- or listeners-)`
    : '';
}

/** `1 creator`, `0 creators`, `5 creators`: the one-row test file is a common run. */
export function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
