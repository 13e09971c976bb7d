import fc from 'fast-check';
import { FINDING_CODES, validateCohort } from '../src/index.js';

// Open-ended input: whatever the bytes, the validator answers with findings
// drawn from the documented catalogue, and never throws.
const unit = fc.oneof(
  fc.constantFrom(
    'email',
    'cohort',
    'sent_by',
    'role',
    'name',
    'creator',
    'fans-1',
    'a@b.org',
    'x@gmail.com',
    ',',
    '"',
    '\n',
    '\r\n',
    '\r',
    ' ',
    '@',
    '<',
    '\u0000',
    '\uFEFF',
    'é',
    '😀',
  ),
  fc.string({ maxLength: 3 }),
);

describe('random CSV content', () => {
  it('never crashes the validator, only gives findings', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(unit, { maxLength: 60 }), async (parts) => {
        const result = await validateCohort(parts.join(''));
        for (const f of [...result.errors, ...result.warnings]) expect(FINDING_CODES).toContain(f.code);
        expect(result.ok).toBe(result.errors.length === 0);
      }),
      { numRuns: 500 },
    );
  });

  it('never crashes on random bytes either', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 200 }), async (bytes) => {
        const result = await validateCohort(bytes);
        expect(result.ok).toBe(result.errors.length === 0);
      }),
      { numRuns: 300 },
    );
  });
});
