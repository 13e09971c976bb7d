import { jest } from '@jest/globals';
import { isolatedCopy } from '@veza/test-support';
import * as first from './errors.js';

it("instanceof holds for an error of another copy of the package, by its class, and only for this package's errors", async () => {
  const second = await isolatedCopy(jest, () => import('./errors.js'));
  expect(second.MailerError).not.toBe(first.MailerError); // two copies, each with its own classes
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
