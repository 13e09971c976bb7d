import { fileURLToPath } from 'node:url';
import { countFindings, formatFindings, formatSummary, validateCohort, validateCohortFile } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../testing/${name}`, import.meta.url));

describe('text output', () => {
  it('renders the summary table of a clean cohort', async () => {
    const result = await validateCohortFile(fixture('valid-cohort.csv'));
    expect(formatSummary(result.value.summary)).toMatchSnapshot();
    expect(formatFindings(result, { file: 'valid-cohort.csv' })).toBe('');
  });

  it('renders findings as file:line field: message, blocking first', async () => {
    const result = await validateCohortFile(fixture('duplicates.csv'), { maxFindingsPerCode: 1 });
    expect(`${formatSummary(result.value.summary)}\n\n${formatFindings(result, { file: 'duplicates.csv' })}`).toMatchSnapshot();
  });

  it('heads the warnings as accepted when forced, and as to accept otherwise', async () => {
    const result = await validateCohort('email,cohort\nana@example.org,listeners-a\n');
    expect(result.errors).toEqual([]);
    expect(result.warnings.length).toBeGreaterThan(0);
    const n = countFindings(result).warnings;
    expect(formatFindings(result, { file: 'c.csv' })).toContain(`Warnings (${n}; accept with --force or FORCE=1):`);
    const forced = formatFindings(result, { file: 'c.csv', forced: true });
    expect(forced).toContain(`Warnings (${n}; accepted (--force or FORCE=1 given)):`);
    expect(forced).not.toContain('accept with');
  });

  it('counts every finding, the ones past the cap of their code too: 3,000 bad addresses are 3,000 errors, not the 10 shown', async () => {
    const rows = Array.from({ length: 3_000 }, (_, i) => `bad${i}-at-example.org,listeners-a`);
    const result = await validateCohort(['email,cohort', ...rows, ''].join('\n'), { maxFindingsPerCode: 10 });
    expect(result.errors).toHaveLength(10);
    expect(countFindings(result)).toEqual({ errors: 3_000, warnings: result.warnings.length });
    const text = formatFindings(result, { file: 'bad.csv' });
    expect(text).toContain('Blocking (3000):');
    expect(text).toContain('... and 2990 more COHORT_BAD_EMAIL not shown');
  });

  it('quotes a long cell cut, with its length: a 60,000-character address is not printed whole in its finding', async () => {
    const result = await validateCohort(`email,cohort\n${'a'.repeat(60_000)}@example.org,listeners-a\n`);
    const text = formatFindings(result, { file: 'long.csv' });
    expect(text).toContain(`long.csv:2 email: "${'a'.repeat(120)}…" (60012 characters)`);
    expect(text.length).toBeLessThan(2_000);
  });
});
