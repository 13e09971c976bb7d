import { jest } from '@jest/globals';
import * as first from './errors.js';

/**
 * A second copy of this package's errors, as a backend loads it when its own
 * @veza/gate-probes is another version than the one a lib it installed depends on
 * (npm nests the second copy): each copy has its own classes.
 */
async function secondCopy(): Promise<typeof first> {
  let copy: typeof first | undefined;
  await jest.isolateModulesAsync(async () => {
    copy = await import('./errors.js');
  });
  if (!copy || copy.GatesError === first.GatesError) throw new Error('the module registry gave the same copy');
  return copy;
}

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await secondCopy();
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
