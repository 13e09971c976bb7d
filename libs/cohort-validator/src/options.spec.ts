import { CohortOptionsError } from './errors.js';
import { DEFAULT_THRESHOLDS, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('uses the seed checklist defaults and lets each threshold be overridden', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ minRows: 50, minCreators: 5, minListeners: 20, minLabels: 3 });
    expect(resolveOptions({ thresholds: { minRows: 10 } }).thresholds).toEqual({ ...DEFAULT_THRESHOLDS, minRows: 10 });
  });

  it.each([
    { thresholds: { minRows: -1 } },
    { thresholds: { minRowz: 3 } },
    { userBatchSize: 0 },
    { maxFindingsPerCode: 1.5 },
    { maxFindingsPerCode: 0 },
  ])('refuses %j with COHORT_BAD_OPTIONS', (options) => {
    expect(() => resolveOptions(options as never)).toThrow(CohortOptionsError);
    try {
      resolveOptions(options);
    } catch (error) {
      expect((error as CohortOptionsError).code).toBe('COHORT_BAD_OPTIONS');
    }
  });

  // Found by mutation testing: the smallest accepted values, an undefined threshold and the defaults were unchecked.
  it('takes the smallest values (thresholds 0, batch and findings 1), skips an undefined threshold, and defaults the rest', () => {
    expect(resolveOptions({ thresholds: { minRows: 0, minLabels: undefined }, userBatchSize: 1, maxFindingsPerCode: 1 })).toEqual({
      thresholds: { ...DEFAULT_THRESHOLDS, minRows: 0 },
      collectRows: false,
      existingUsers: undefined,
      userBatchSize: 1,
      maxFindingsPerCode: 1,
    });
    expect(resolveOptions()).toMatchObject({ collectRows: false, userBatchSize: 1_000, maxFindingsPerCode: 1_000 });
  });
});
