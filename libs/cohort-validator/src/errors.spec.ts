import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorTable } from '@veza/test-support';
import { COHORT_ERROR_CODES, FINDING_CODES } from './index.js';
import { FINDING_SEVERITY } from './findings.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const readme = join(here, '..', 'README.md');

describe('codes in the README', () => {
  it('the README error table lists exactly COHORT_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(readme);
    expect(rows.map((row) => row.code)).toEqual([...COHORT_ERROR_CODES]);
    for (const row of rows) {
      expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
    }
  });

  it('every code carries the one prefix of this lib', () => {
    for (const code of COHORT_ERROR_CODES) expect(code).toMatch(/^COHORT_[A-Z0-9_]+$/);
  });

  it('the README findings table lists exactly FINDING_CODES, in order, row by row (code, severity, meaning, what to do)', () => {
    const rows = readmeErrorTable(readme, 'Findings');
    expect(rows.map((row) => row.code)).toEqual([...FINDING_CODES]);
    for (const row of rows)
      expect([row.code, row.cells.length, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, 3, true, true]);
  });

  it('the README gives each finding the severity the code has', () => {
    const rows = readFileSync(readme, 'utf8').split('\n');
    for (const code of FINDING_CODES) {
      const row = rows.find((line) => line.startsWith(`| \`${code}\` |`));
      expect([code, row?.split('|')[2]?.trim()]).toEqual([code, FINDING_SEVERITY[code]]);
    }
  });
});
