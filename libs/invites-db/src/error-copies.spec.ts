import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.InvitesDbError).not.toBe(first.InvitesDbError); // two copies, each with its own classes
  const error = new second.DatabaseReadOnlyError('the database');
  expect(error instanceof first.InvitesDbError).toBe(true);
  expect(error instanceof first.DatabaseReadOnlyError).toBe(true);
  expect(error instanceof first.InviteCodeMalformedError).toBe(false);
  expect(new first.DatabaseReadOnlyError('the database') instanceof second.DatabaseReadOnlyError).toBe(true);
  expect(Object.assign(new Error('look-alike'), { name: 'DatabaseReadOnlyError', code: error.code }) instanceof first.InvitesDbError).toBe(
    false,
  );
  expect(
    Object.assign(new Error('look-alike'), { name: 'DatabaseReadOnlyError', code: error.code }) instanceof first.DatabaseReadOnlyError,
  ).toBe(false);
});
