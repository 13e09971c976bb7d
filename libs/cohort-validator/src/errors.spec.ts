import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorCodes, sourceErrorCodes } from '@veza/test-support';
import { FINDING_CODES, FINDING_SEVERITY } from './findings.js';

const here = fileURLToPath(new URL('.', import.meta.url));
const readme = join(here, '..', 'README.md');

describe('codes in the README', () => {
  it('every thrown error code and every finding code has a README row, and no README row is stale', () => {
    const thrown = sourceErrorCodes(join(here, 'errors.ts'), /^COHORT_/);
    expect(thrown).toEqual(['COHORT_BAD_OPTIONS', 'COHORT_USER_CHECK_FAILED']);
    expect(readmeErrorCodes(readme).sort()).toEqual([...thrown, ...FINDING_CODES].sort());
  });

  it('the README gives each finding the severity the code has', () => {
    const rows = readFileSync(readme, 'utf8').split('\n');
    for (const code of FINDING_CODES) {
      const row = rows.find((line) => line.startsWith(`| \`${code}\` |`));
      expect([code, row?.split('|')[2]?.trim()]).toEqual([code, FINDING_SEVERITY[code]]);
    }
  });
});
