import { CohortOptionsError } from './errors.js';
import { DEFAULT_THRESHOLDS, resolveOptions } from './options.js';

describe('resolveOptions', () => {
  it('uses the seed checklist defaults and lets each threshold be overridden', () => {
    expect(DEFAULT_THRESHOLDS).toEqual({ minRows: 50, minCreators: 5, minListeners: 20, minLabels: 3 });
    expect(resolveOptions({ thresholds: { minRows: 10 } }).thresholds).toEqual({ ...DEFAULT_THRESHOLDS, minRows: 10 });
  });

  it.each([{ thresholds: { minRows: -1 } }, { thresholds: { minRowz: 3 } }, { userBatchSize: 0 }, { maxFindingsPerCode: 1.5 }])(
    'refuses %j with COHORT_BAD_OPTIONS',
    (options) => {
      expect(() => resolveOptions(options as never)).toThrow(CohortOptionsError);
      try {
        resolveOptions(options);
      } catch (error) {
        expect((error as CohortOptionsError).code).toBe('COHORT_BAD_OPTIONS');
      }
    },
  );
});
