import { jest } from '@jest/globals';
import * as first from './errors.js';

/**
 * A second copy of this package's errors, as a backend loads it when its own
 * @veza/invite-mailer is another version than the one a lib it installed depends on
 * (npm nests the second copy): each copy has its own classes.
 */
async function secondCopy(): Promise<typeof first> {
  let copy: typeof first | undefined;
  await jest.isolateModulesAsync(async () => {
    copy = await import('./errors.js');
  });
  if (!copy || copy.MailerError === first.MailerError) throw new Error('the module registry gave the same copy');
  return copy;
}

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await secondCopy();
  const error = new second.SmtpUrlInvalidError('smtp://***');
  expect(error instanceof first.MailerError).toBe(true);
  expect(error instanceof first.SmtpUrlInvalidError).toBe(true);
  expect(error instanceof first.WelcomeUnavailableError).toBe(false);
  expect(new first.SmtpUrlInvalidError('smtp://***') instanceof second.SmtpUrlInvalidError).toBe(true);
  expect(Object.assign(new Error('look-alike'), { name: 'SmtpUrlInvalidError', code: error.code }) instanceof first.MailerError).toBe(
    false,
  );
  expect(
    Object.assign(new Error('look-alike'), { name: 'SmtpUrlInvalidError', code: error.code }) instanceof first.SmtpUrlInvalidError,
  ).toBe(false);
});
