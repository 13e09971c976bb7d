import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorTable } from '@veza/test-support';
import { GATES_ERROR_CODES } from './index.js';
import { GatesConfigError } from './errors.js';
import { redactUrl } from './redact.js';

const README = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'README.md');

describe('error codes', () => {
  it('the README error table lists exactly GATES_ERROR_CODES, in order, row by row (code, meaning, what to do)', () => {
    const rows = readmeErrorTable(README);
    expect(rows.map((row) => row.code)).toEqual([...GATES_ERROR_CODES]);
    for (const row of rows) {
      expect([row.code, row.meaning.length > 10, row.whatToDo.length > 5]).toEqual([row.code, true, true]);
    }
  });

  it('every code carries the one prefix of this lib', () => {
    for (const code of GATES_ERROR_CODES) expect(code).toMatch(/^GATES_[A-Z0-9_]+$/);
  });

  it('names every problem in the message', () => {
    const error = new GatesConfigError(['A is bad', 'B is missing']);
    expect(error).toMatchObject({
      code: 'GATES_CONFIG_INVALID',
      name: 'GatesConfigError',
      message: 'invalid gates configuration: A is bad; B is missing',
    });
  });
});

describe('redactUrl', () => {
  it('hides passwords and secret query parameters, keeps the rest readable', () => {
    expect(redactUrl('postgres://veza:s3cr3t@db:5432/veza')).toBe('postgres://veza:***@db:5432/veza');
    expect(redactUrl('https://status.test/api?access_token=abc&page=2')).toBe('https://status.test/api?access_token=***&page=2');
    expect(redactUrl('https://sentry.io/api/0/organizations/veza/issues/?query=is%3Aunresolved&statsPeriod=24h')).toBe(
      'https://sentry.io/api/0/organizations/veza/issues/?query=is:unresolved&statsPeriod=24h',
    );
    expect(redactUrl('failed: postgres://u:pw@h/db')).toBe('failed: postgres://u:***@h/db');
  });
});
