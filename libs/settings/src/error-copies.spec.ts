import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.SettingsError).not.toBe(first.SettingsError); // two copies, each with its own classes
  const error = new second.SettingsInvalidError([]);
  expect(error instanceof first.SettingsError).toBe(true);
  expect(error instanceof first.SettingsInvalidError).toBe(true);
  expect(error instanceof first.EnvFileUnreadableError).toBe(false);
  expect(new first.SettingsInvalidError([]) instanceof second.SettingsInvalidError).toBe(true);
  expect(Object.assign(new Error('look-alike'), { name: 'SettingsInvalidError', code: error.code }) instanceof first.SettingsError).toBe(
    false,
  );
  expect(
    Object.assign(new Error('look-alike'), { name: 'SettingsInvalidError', code: error.code }) instanceof first.SettingsInvalidError,
  ).toBe(false);
});
