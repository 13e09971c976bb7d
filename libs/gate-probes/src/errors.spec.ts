import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorCodes, sourceErrorCodes } from '@veza/test-support';
import { GatesConfigError, redactUrl } from './index.js';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('error codes', () => {
  it('every code in errors.ts has a README row, and no README row is stale', () => {
    const inSource = sourceErrorCodes(join(here, 'errors.ts'), /^GATES_/);
    expect(inSource.length).toBeGreaterThan(1);
    expect(readmeErrorCodes(join(here, '..', 'README.md')).sort()).toEqual(inSource);
  });

  it('names every problem in the message', () => {
    const error = new GatesConfigError(['A is bad', 'B is missing']);
    expect(error).toMatchObject({ code: 'GATES_CONFIG_INVALID', name: 'GatesConfigError', message: 'invalid gates configuration: A is bad; B is missing' });
  });
});

describe('redactUrl', () => {
  it('hides passwords and secret query parameters, keeps the rest readable', () => {
    expect(redactUrl('postgres://veza:s3cr3t@db:5432/veza')).toBe('postgres://veza:***@db:5432/veza');
    expect(redactUrl('https://status.test/api?access_token=abc&page=2')).toBe('https://status.test/api?access_token=***&page=2');
    expect(redactUrl('https://sentry.io/api/0/organizations/veza/issues/?query=is%3Aunresolved&statsPeriod=24h')).toBe('https://sentry.io/api/0/organizations/veza/issues/?query=is:unresolved&statsPeriod=24h');
    expect(redactUrl('failed: postgres://u:pw@h/db')).toBe('failed: postgres://u:***@h/db');
  });
});
