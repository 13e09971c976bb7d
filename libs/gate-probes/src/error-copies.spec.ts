import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.GatesError).not.toBe(first.GatesError); // two copies, each with its own classes
  const error = new second.GatesStateError('not JSON');
  expect(error instanceof first.GatesError).toBe(true);
  expect(error instanceof first.GatesStateError).toBe(true);
  expect(error instanceof first.GatesConfigError).toBe(false);
  expect(new first.GatesStateError('not JSON') instanceof second.GatesStateError).toBe(true);
  expect(Object.assign(new Error('look-alike'), { name: 'GatesStateError', code: error.code }) instanceof first.GatesError).toBe(false);
  expect(Object.assign(new Error('look-alike'), { name: 'GatesStateError', code: error.code }) instanceof first.GatesStateError).toBe(
    false,
  );
});
