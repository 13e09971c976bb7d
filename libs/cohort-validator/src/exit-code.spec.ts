import { exitCodeFor } from './exit-code.js';
import { finding } from './findings.js';

const block = finding('COHORT_BAD_EMAIL', 2, 'email', 'x');
const warn = finding('COHORT_TOO_FEW_ROWS', null, null, 'y');

describe('exitCodeFor', () => {
  it('0 clean, 1 blocked (even with force), 2 warnings, 0 warnings with force', () => {
    expect(exitCodeFor({ errors: [], warnings: [] })).toBe(0);
    expect(exitCodeFor({ errors: [block], warnings: [warn] }, { force: true })).toBe(1);
    expect(exitCodeFor({ errors: [], warnings: [warn] })).toBe(2);
    expect(exitCodeFor({ errors: [], warnings: [warn] }, { force: true })).toBe(0);
  });
});
