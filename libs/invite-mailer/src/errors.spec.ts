import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorTable } from '@veza/test-support';
import { MAILER_ERROR_CODES, MailerError } from './index.js';
import { InvalidOptionError, SendCmdNotFoundError, SmtpUrlInvalidError } from './errors.js';

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md');

describe('error codes', () => {
  it('the README error table lists exactly MAILER_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(README);
    expect(rows.map((row) => row.code)).toEqual([...MAILER_ERROR_CODES]);
    for (const row of rows) expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
  });

  it('every error class carries one of the codes, its name, and the lib prefix', () => {
    const errors = [
      new SendCmdNotFoundError('msmtp'),
      new SmtpUrlInvalidError('smtp://x:***@h'),
      new InvalidOptionError('rate', 'a number'),
    ];
    expect(errors.map((e) => [e instanceof MailerError, e.name, e.code])).toEqual([
      [true, 'SendCmdNotFoundError', 'MAILER_SEND_CMD_NOT_FOUND'],
      [true, 'SmtpUrlInvalidError', 'MAILER_SMTP_URL_INVALID'],
      [true, 'InvalidOptionError', 'MAILER_INVALID_OPTION'],
    ]);
    for (const code of MAILER_ERROR_CODES) expect(code).toMatch(/^MAILER_[A-Z0-9_]+$/);
  });
});
