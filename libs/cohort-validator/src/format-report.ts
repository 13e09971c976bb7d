import type { CohortSummary } from './cohort-checker.js';
import { FINDING_SEVERITY } from './findings.js';
import type { Finding } from './findings.js';
import type { CohortValidation } from './validate-cohort.js';
import { count } from './threshold-findings.js';

const COUNT_COLUMNS = ['rows', 'creators', 'listeners', 'unclassified'] as const;

/** The per-label table and the threshold line, as `cohort validate` prints them. */
export function formatSummary(summary: CohortSummary): string {
  const rows: string[][] = [['cohort', ...COUNT_COLUMNS]];
  for (const [label, stats] of Object.entries(summary.labels)) rows.push([label, ...COUNT_COLUMNS.map((c) => String(stats[c]))]);
  rows.push(['total', String(summary.validRows), String(summary.creators), String(summary.listeners), String(summary.unclassified)]);
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  const table = rows.map((r) =>
    r
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
  const t = summary.thresholds;
  const check = (name: string, have: number, want: number) => `${name} ${have}/${want} ${have >= want ? 'ok' : 'LOW'}`;
  const separated = summary.separator === ';' ? ' (separated by ;)' : summary.separator === '\t' ? ' (separated by tabs)' : '';
  const form =
    summary.header === 'seed'
      ? 'seed form (no header): email,cohort,sent_by'
      : summary.header === 'header'
        ? `header: ${summary.columns.join(',')}${separated}`
        : 'no usable header';
  return [
    ...table,
    '',
    `${count(summary.rows, 'row')} read, ${summary.validRows} valid; ${form}`,
    `thresholds: ${[check('rows', summary.validRows, t.minRows), check('creators', summary.creators, t.minCreators), check('listeners', summary.listeners, t.minListeners), check('labels', summary.distinctLabels, t.minLabels)].join(', ')}`,
    `existing users: ${summary.usersChecked ? 'checked' : 'not checked (--check-users)'}`,
  ].join('\n');
}

/**
 * How many findings block and how many warn, with the ones the cap left out of
 * `errors` and `warnings` (kept per code, counted in summary.omittedFindings):
 * 100,000 bad rows are 100,000 errors, not the 1,000 shown.
 */
export function countFindings(result: Pick<CohortValidation, 'errors' | 'warnings' | 'value'>): { errors: number; warnings: number } {
  const counts = { errors: result.errors.length, warnings: result.warnings.length };
  for (const [code, n] of Object.entries(result.value.summary.omittedFindings) as [keyof typeof FINDING_SEVERITY, number][]) {
    if (FINDING_SEVERITY[code] === 'block') counts.errors += n;
    else counts.warnings += n;
  }
  return counts;
}

/**
 * Every finding as `file:line field: message [CODE]`, blocking ones first,
 * then the count of findings left out by the cap. Empty string when clean.
 * `forced` (--force or FORCE=1 given): the warnings are headed as accepted.
 */
export function formatFindings(
  result: Pick<CohortValidation, 'errors' | 'warnings' | 'value'>,
  options: { file?: string; forced?: boolean } = {},
): string {
  const file = options.file ?? '<csv>';
  const out: string[] = [];
  const section = (title: string, findings: Finding[]) => {
    if (findings.length === 0) return;
    out.push(title);
    for (const f of findings)
      out.push(`  ${file}${f.line === null ? '' : `:${f.line}`}${f.field ? ` ${f.field}` : ''}: ${f.message} [${f.code}]`);
  };
  const counts = countFindings(result);
  section(`Blocking (${counts.errors}):`, result.errors);
  section(
    `Warnings (${counts.warnings}; ${options.forced ? 'accepted (--force or FORCE=1 given)' : 'accept with --force or FORCE=1'}):`,
    result.warnings,
  );
  for (const [code, n] of Object.entries(result.value.summary.omittedFindings)) out.push(`  ... and ${n} more ${code} not shown`);
  return out.join('\n');
}
