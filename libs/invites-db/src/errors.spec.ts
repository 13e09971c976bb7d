import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorCodes, sourceErrorCodes } from '@veza/test-support';
import { redactUrls } from './errors.js';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('error codes', () => {
  it('every code in errors.ts has a README row, and no README row is stale', () => {
    const inSource = sourceErrorCodes(join(here, 'errors.ts'), /^INVITES?_/);
    expect(inSource.length).toBeGreaterThan(4);
    expect(readmeErrorCodes(join(here, '..', 'README.md')).sort()).toEqual(inSource);
  });

  it('redacts passwords in URLs quoted by driver messages', () => {
    expect(redactUrls('failed: postgres://veza:s3cr3t@db:5432/veza')).toBe('failed: postgres://veza:***@db:5432/veza');
  });
});
