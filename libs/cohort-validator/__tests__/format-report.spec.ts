import { fileURLToPath } from 'node:url';
import { formatFindings, formatSummary, validateCohortFile } from '../src/index.js';

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
});
