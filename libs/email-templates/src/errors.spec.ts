import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readmeErrorCodes, sourceErrorCodes } from '@veza/test-support';

const here = fileURLToPath(new URL('.', import.meta.url));

describe('error codes', () => {
  it('every code in errors.ts has a README row, and no README row is stale', () => {
    const inSource = sourceErrorCodes(join(here, 'errors.ts'), /^EMAIL_/);
    expect(inSource.length).toBeGreaterThan(5);
    expect(readmeErrorCodes(join(here, '..', 'README.md')).sort()).toEqual(inSource);
  });
});
