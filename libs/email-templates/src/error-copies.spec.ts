import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.EmailTemplatesError).not.toBe(first.EmailTemplatesError); // two copies, each with its own classes
  const error = new second.HeaderInjectionError('subject');
  expect(error instanceof first.EmailTemplatesError).toBe(true);
  expect(error instanceof first.HeaderInjectionError).toBe(true);
  expect(error instanceof first.EmailSettingsError).toBe(false);
  expect(new first.HeaderInjectionError('subject') instanceof second.HeaderInjectionError).toBe(true);
  expect(
    Object.assign(new Error('look-alike'), { name: 'HeaderInjectionError', code: error.code }) instanceof first.EmailTemplatesError,
  ).toBe(false);
  expect(
    Object.assign(new Error('look-alike'), { name: 'HeaderInjectionError', code: error.code }) instanceof first.HeaderInjectionError,
  ).toBe(false);
});
