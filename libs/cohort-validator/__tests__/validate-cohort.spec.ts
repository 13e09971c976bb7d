import { Readable } from 'node:stream';
import { expect, jest } from '@jest/globals';
import { CohortUserCheckError } from '../src/errors.js';
import { formatSummary, validateCohort, validateCohortStream } from '../src/index.js';
import { generateCohortCsv } from '../src/testing.js';

const codes = (findings: { code: string }[]) => findings.map((f) => f.code);

describe('validateCohort', () => {
  it('accepts the optional columns in any order, case-insensitive, with surrounding spaces', async () => {
    const csv = ' Name , ROLE,cohort,email,sent_by\n"Ana Lopez", Creator ,press, ana@example.org ,11111111-2222-4333-8444-555555555555\n';
    const result = await validateCohort(csv, { collectRows: true });
    expect(result.errors).toEqual([]);
    // Found by mutation testing: `ok` of a cohort without errors could be false and every spec stayed green.
    expect(result.ok).toBe(true);
    expect(result.value.rows).toEqual([
      {
        line: 2,
        email: 'ana@example.org',
        cohort: 'press',
        sentBy: '11111111-2222-4333-8444-555555555555',
        name: 'Ana Lopez',
        role: 'creator',
        roleSource: 'column',
      },
    ]);
  });

  it.each([
    ['email,cohort,team\n', 'unknown column "team"'],
    ['email,email,cohort\n', 'appears twice'],
    ['email,sent_by\n', 'no cohort column'],
    ['ana@example.org,creators\n', 'not a header'],
    ['email,cohort\rana@example.org,x\r', 'bare CR'],
  ])('refuses the header of %j', async (csv, message) => {
    const result = await validateCohort(csv);
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'COHORT_BAD_HEADER', line: 1, message: expect.stringContaining(message) }),
    ]);
  });

  it('blocks bad rows field by field and keeps counting the others', async () => {
    const csv = [
      'email,cohort,role,sent_by,name',
      'a@example.org,-bad,creator,,',
      'b@example.org,fans,boss,ops@veza,',
      `c@example.org,fans,,,${'x'.repeat(201)}`,
      'd@example.org,fans',
      'e@example.org,fans,,,',
    ].join('\n');
    const result = await validateCohort(csv);
    expect(result.errors.map((f) => [f.code, f.line, f.field])).toEqual([
      ['COHORT_BAD_LABEL', 2, 'cohort'],
      ['COHORT_BAD_SENT_BY', 3, 'sent_by'],
      ['COHORT_BAD_ROLE', 3, 'role'],
      ['COHORT_BAD_NAME', 4, 'name'],
      ['COHORT_FIELD_COUNT', 5, null],
    ]);
    expect(result.value.summary).toMatchObject({ rows: 5, validRows: 1, listeners: 1 });
  });

  it("refuses preflight's test cohort: its invites would never be counted (funnel, testers gate)", async () => {
    const result = await validateCohort('email,cohort\nana@example.org,preflight-test\nbob@example.org,preflight-tests\n');
    expect(result.errors).toEqual([
      expect.objectContaining({ code: 'COHORT_BAD_LABEL', line: 2, field: 'cohort', message: expect.stringContaining('test cohort') }),
    ]);
  });

  it('never prints a C1 escape, a bidi override or a zero-width character from the file: messages show them as \\uXXXX', async () => {
    const csv =
      'email,cohort,name\nana\u009b2J\u009b31mOK@example.org,fans\u009d0;pwned\u009c-a,Ana\n\u202egro.elpmaxe@bob,fans-a,Bob\u0085Bcc: x@y.z\n';
    const result = await validateCohort(csv);
    expect(result.errors.length).toBeGreaterThanOrEqual(3);
    for (const f of result.errors) expect(f.message).not.toMatch(/[\u0080-\u009f\u202a-\u202e]/);
    expect(result.errors.map((f) => f.message).join('\n')).toContain('U+009B');
  });

  it("says the one-row test file's counts in the singular (the seed checklist's test send: one row, one label)", async () => {
    const result = await validateCohort('ops@veza.fr,test-cohort,\n');
    expect(formatSummary(result.value.summary)).toContain('\n1 row read, 1 valid; seed form');
    const messages = result.warnings.map((f) => f.message);
    expect(messages).toEqual([
      '1 valid row, fewer than the 50 expected',
      '0 creators, fewer than the 5 expected (1 row is unclassified: add a role column, or start their labels with creators- or listeners-)',
      '0 listeners, fewer than the 20 expected (1 row is unclassified: add a role column, or start their labels with creators- or listeners-)',
      '1 distinct cohort label, fewer than the 3 expected',
    ]);
  });

  it('warns below each threshold, and thresholds are configurable', async () => {
    const csv = generateCohortCsv({ rows: 45, seed: 2 });
    expect(codes((await validateCohort(csv)).warnings)).toEqual(['COHORT_TOO_FEW_ROWS']);
    const strict = await validateCohort(csv, { thresholds: { minCreators: 100, minListeners: 100, minLabels: 10, minRows: 0 } });
    expect(codes(strict.warnings)).toEqual(['COHORT_TOO_FEW_CREATORS', 'COHORT_TOO_FEW_LISTENERS', 'COHORT_TOO_FEW_LABELS']);
  });

  it('gives the same findings however the bytes are cut into chunks', async () => {
    const csv = Buffer.from(
      `\uFEFF${generateCohortCsv({ rows: 80, seed: 5, lineEnding: '\r\n' })}bad@,fans,,"Zoé",\r\n"x\ny@a.org",fans,,,\r\n`,
    );
    const whole = await validateCohort(csv);
    for (const size of [1, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < csv.length; i += size) chunks.push(csv.subarray(i, i + size));
      expect(await validateCohortStream(Readable.from(chunks))).toEqual(whole);
    }
    expect(whole.errors.map((f) => [f.code, f.line])).toEqual([
      ['COHORT_BAD_EMAIL', 82],
      ['COHORT_CONTROL_CHAR', 83],
    ]);
  });

  it('keeps at most maxFindingsPerCode findings of one code and counts the rest', async () => {
    const csv = 'email,cohort\n' + 'not-an-email,fans\n'.repeat(50);
    const result = await validateCohort(csv, { maxFindingsPerCode: 10 });
    expect(result.errors).toHaveLength(10);
    expect(result.value.summary.omittedFindings).toEqual({ COHORT_BAD_EMAIL: 40 });
  });
});

describe('--check-users through the existingUsers option', () => {
  it('asks in batches of distinct lower-cased valid emails and warns for each known user', async () => {
    const existingUsers = jest.fn((emails: string[]) => Promise.resolve(new Set(emails.filter((e) => e.startsWith('known')))));
    const csv = 'email,cohort\nKnown@Example.org,fans\nnew1@example.org,fans\nknown@example.org,fans\nbroken,fans\nnew2@example.org,fans\n';
    const result = await validateCohort(csv, {
      existingUsers,
      userBatchSize: 2,
      thresholds: { minRows: 0, minCreators: 0, minListeners: 0, minLabels: 0 },
    });
    expect(existingUsers.mock.calls).toEqual([[['known@example.org', 'new1@example.org']], [['new2@example.org']]]);
    expect(result.warnings).toEqual([expect.objectContaining({ code: 'COHORT_EXISTING_USER', line: 2, field: 'email' })]);
    expect(result.value.summary.usersChecked).toBe(true);
  });

  it('a failing lookup throws COHORT_USER_CHECK_FAILED rather than pretending the check passed', async () => {
    const existingUsers = async () => Promise.reject(new Error('connection refused'));
    await expect(validateCohort('email,cohort\na@example.org,fans\n', { existingUsers })).rejects.toThrow(CohortUserCheckError);
  });
});
