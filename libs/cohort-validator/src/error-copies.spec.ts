import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.CohortValidatorError).not.toBe(first.CohortValidatorError); // two copies, each with its own classes
  const error = new second.CohortUserCheckError(new Error('down'));
  expect(error instanceof first.CohortValidatorError).toBe(true);
  expect(error instanceof first.CohortUserCheckError).toBe(true);
  expect(error instanceof first.CohortOptionsError).toBe(false);
  expect(new first.CohortUserCheckError(new Error('down')) instanceof second.CohortUserCheckError).toBe(true);
  expect(
    Object.assign(new Error('look-alike'), { name: 'CohortUserCheckError', code: error.code }) instanceof first.CohortValidatorError,
  ).toBe(false);
  expect(
    Object.assign(new Error('look-alike'), { name: 'CohortUserCheckError', code: error.code }) instanceof first.CohortUserCheckError,
  ).toBe(false);
});
