import { expect } from '@jest/globals';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exitCodeFor, validateCohort, validateCohortFile } from '../src/index.js';
import type { CohortValidation, Finding } from '../src/index.js';

const fixture = (name: string) => fileURLToPath(new URL(`../testing/${name}`, import.meta.url));

/** code, line and field of each finding: what a person would check in the output. */
function brief(findings: Finding[]): [string, number | null, string | null][] {
  return findings.map((f) => [f.code, f.line, f.field]);
}

async function check(name: string): Promise<CohortValidation> {
  return validateCohortFile(fixture(name), { collectRows: true });
}

describe('fixtures of real-looking cohorts', () => {
  it('valid-cohort.csv passes clean (exit 0) and counts creators and listeners by the role column', async () => {
    const result = await check('valid-cohort.csv');
    expect(result.errors).toEqual([]);
    expect(result.warnings).toEqual([]);
    expect(exitCodeFor(result)).toBe(0);
    expect(result.value.summary).toMatchObject({
      rows: 60,
      validRows: 60,
      creators: 15,
      listeners: 35,
      unclassified: 10,
      distinctLabels: 7,
      header: 'header',
    });
    expect(result.value.rows?.[0]).toEqual({
      line: 2,
      email: 'camille.bernard.0@laposte.net',
      cohort: 'staff.friends',
      sentBy: null,
      name: 'Camille Bernard',
      role: null,
      roleSource: null,
    });
  });

  it('seed-headerless.csv (email,cohort,sent_by, no header) is read as the seed form, roles from the labels', async () => {
    const result = await check('seed-headerless.csv');
    expect(exitCodeFor(result)).toBe(0);
    expect(result.value.summary).toMatchObject({ rows: 55, validRows: 55, header: 'seed', creators: 8, listeners: 36 });
    expect(result.value.rows?.[0]?.line).toBe(1);
    expect(result.value.rows?.every((row) => row.roleSource !== 'column')).toBe(true);
  });

  it('bom-crlf.csv: a BOM, CRLF line endings and quoted commas and quotes are fine', async () => {
    const result = await check('bom-crlf.csv');
    expect(result.errors).toEqual([]);
    expect(result.value.summary.columns[0]).toBe('email');
    expect(result.value.rows?.find((row) => row.line === 4)?.name).toBe('Petit, Inès "Nes"');
  });

  it('bad-emails.csv names every malformed address, line by line', async () => {
    const result = await check('bad-emails.csv');
    expect(exitCodeFor(result)).toBe(1);
    expect(brief(result.errors)).toEqual([
      ['COHORT_BAD_EMAIL', 3, 'email'],
      ['COHORT_BAD_EMAIL', 4, 'email'],
      ['COHORT_BAD_EMAIL', 5, 'email'],
      ['COHORT_EMAIL_NOT_ASCII', 6, 'email'],
      ['COHORT_BAD_EMAIL', 7, 'email'],
      ['COHORT_BAD_EMAIL', 8, 'email'],
      ['COHORT_BAD_EMAIL', 9, 'email'],
      ['COHORT_BAD_EMAIL', 10, 'email'],
      ['COHORT_BAD_EMAIL', 11, 'email'],
    ]);
    expect(result.errors.map((f) => f.message).join('\n')).toMatchSnapshot();
    expect(result.value.summary.validRows).toBe(2);
  });

  it('duplicates.csv: exact duplicates block with all their lines, likely ones warn', async () => {
    const result = await check('duplicates.csv');
    expect(result.errors).toEqual([expect.objectContaining({ code: 'COHORT_DUPLICATE_EMAIL', line: 2, lines: [2, 4, 8] })]);
    const likely = result.warnings.filter((f) => f.code === 'COHORT_LIKELY_DUPLICATE');
    expect(likely.map((f) => f.lines)).toEqual([
      [2, 5],
      [3, 6],
    ]);
    expect(likely[0]?.message).toContain('chloebernard@googlemail.com (line 5)');
  });

  it('injection.csv: a line break or bell inside a quoted field blocks, naming the field', async () => {
    const result = await check('injection.csv');
    expect(brief(result.errors)).toEqual([
      ['COHORT_CONTROL_CHAR', 3, 'email'],
      ['COHORT_CONTROL_CHAR', 5, 'cohort'],
    ]);
    expect(result.errors[0]?.message).toContain('a line break');
    expect(result.errors[1]?.message).toContain('U+0007');
  });

  it('latin1.csv: bytes that are not UTF-8 block, with their lines', async () => {
    const result = await check('latin1.csv');
    expect(brief(result.errors)).toEqual([
      ['COHORT_NOT_UTF8', 2, null],
      ['COHORT_NOT_UTF8', 4, null],
    ]);
    // those rows are not valid ones: the summary counts only the others
    const lines = readFileSync(fixture('latin1.csv'), 'latin1').trim().split('\n').length;
    expect(result.value.summary.validRows).toBe(lines - 1 - 2);
    expect(result.value.rows?.map((row) => row.line)).not.toEqual(expect.arrayContaining([2, 4]));
  });

  it('a UTF-16 export (byte order mark) is read as the text it is, not refused as Latin-1', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email,cohort\r\nana@example.org,fans\r\n', 'utf16le')]);
    const result = await validateCohort(utf16, { collectRows: true });
    expect(result.errors).toEqual([]);
    expect(result.value.rows?.map((row) => [row.line, row.email, row.cohort])).toEqual([[2, 'ana@example.org', 'fans']]);
  });

  it('empty.csv, bad-header.csv and a missing file block', async () => {
    expect(brief((await check('empty.csv')).errors)).toEqual([['COHORT_EMPTY', null, null]]);
    const header = await check('bad-header.csv');
    expect(brief(header.errors)).toEqual([['COHORT_BAD_HEADER', 1, null]]);
    expect(header.warnings).toEqual([]);
    const missing = await check('no-such-file.csv');
    expect(missing.errors).toEqual([expect.objectContaining({ code: 'COHORT_UNREADABLE', message: expect.stringContaining('ENOENT') })]);
    // Found by mutation testing: `ok` of an unreadable file could be true and every spec stayed green.
    expect(missing.ok).toBe(false);
    expect(brief((await validateCohortFile(fixture(''))).errors)).toEqual([['COHORT_UNREADABLE', null, null]]);
  });

  it('a missing file is said in words, with where it was looked for: a bare "ENOENT" told an operator in the wrong folder nothing', async () => {
    const cwd = process.cwd();
    const dir = mkdtempSync(join(tmpdir(), 'veza-cohort-'));
    try {
      process.chdir(dir);
      const [missing] = (await validateCohortFile('cohort.csv')).errors;
      expect(missing?.message).toBe(`cannot read cohort.csv: no such file (looked for ${join(realpathSync(dir), 'cohort.csv')}) [ENOENT]`);
      writeFileSync('cohort.csv', 'email,cohort\n');
      const [underFile] = (await validateCohortFile('cohort.csv/x.csv')).errors;
      expect(underFile?.message).toBe('cannot read cohort.csv/x.csv: a part of the path is a file, not a folder [ENOTDIR]');
      // Node's words for it repeated the path twice more ("ENAMETOOLONG: name too long, open '…'")
      const long = `${'x'.repeat(300)}.csv`;
      const [tooLong] = (await validateCohortFile(long)).errors;
      expect(tooLong?.message).toBe(`cannot read ${long}: the path (or a name in it) is too long [ENAMETOOLONG]`);
    } finally {
      process.chdir(cwd);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
