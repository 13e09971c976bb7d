import { cohortProblem } from './cohort-rule.js';

describe('cohortProblem', () => {
  it.each(['fans', 'fans/discord', 'creators-2026', 'Artists:paris', 'beta+press', 'staff friends', 'a.b_c', '7', 'x'.repeat(64)])(
    'accepts %j',
    (label) => {
      expect(cohortProblem(label)).toBeNull();
    },
  );

  it.each([
    ['', 'is empty'],
    ['x'.repeat(65), 'longer than 64 characters'],
    ['x'.repeat(80), 'longer than 64 characters'],
    ['-fans', 'must start with a letter or digit'],
    [' fans', 'must start with a letter or digit'],
    ['fans{{x}}', 'only letters, digits'],
    ['fans,paris', 'only letters, digits'],
    ['fans\nx', 'only letters, digits'],
    ['fanś', 'only letters, digits'],
  ])('refuses %j: %s', (label, reason) => {
    expect(cohortProblem(label)).toContain(reason);
  });
});
