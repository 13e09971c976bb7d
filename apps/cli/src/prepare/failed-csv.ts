import { rmSync } from 'node:fs';
import { replaceFiles } from './durable-files.js';

export interface FailedRow {
  line: number;
  email: string;
  cohort: string;
  sentBy: string | null;
  role: string | null;
  name: string | null;
  reason: string;
}

function cell(value: string | null): string {
  const text = value ?? '';
  return /[",\r\n]/.test(text) || /^\s|\s$/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * failed.csv: the rows prepare could not create, in the cohort format (with a
 * header), plus the reason; `veza-beta invites prepare failed.csv` retries
 * exactly those rows (validation ignores the reason column).
 */
export function writeFailedCsv(path: string, rows: FailedRow[]): void {
  const lines = ['email,cohort,sent_by,role,name,reason'];
  for (const r of rows) lines.push([r.email, r.cohort, r.sentBy, r.role, r.name, `line ${r.line}: ${r.reason}`].map(cell).join(','));
  try {
    // Whole or not at all: written in place, a full disk left the file cut mid-row (the rows after it
    // silently out of the retry), over the earlier run's.
    replaceFiles([{ path, data: `${lines.join('\n')}\n` }]);
  } catch (error) {
    try {
      rmSync(path, { force: true }); // an earlier run's list is not this run's failures: no file rather than a wrong one
    } catch {
      // a read-only folder: the write failed before touching it
    }
    throw error;
  }
}
