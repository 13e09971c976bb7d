import { Readable } from 'node:stream';
import { expect } from '@jest/globals';
import { formatFindings, formatSummary, validateCohort, validateCohortStream } from '../src/index.js';

// Cohort files as they arrive from the people who make them: Excel in a French
// locale (semicolons, whatever the menu says), Google Sheets (formatted empty
// columns and rows), a tab-separated export. Each must validate as the same
// cohort a comma-separated file would, or say exactly what is wrong.

const small = { thresholds: { minRows: 1, minCreators: 0, minListeners: 0, minLabels: 0 }, collectRows: true };
const codes = (findings: { code: string }[]) => findings.map((f) => f.code);

function bytes(text: string): Buffer {
  return Buffer.from(text, 'utf8');
}

describe('cohort files from spreadsheets', () => {
  it('reads a French Excel "CSV UTF-8" export: semicolons, byte order mark, CRLF, accents, a quoted semicolon', async () => {
    const csv =
      '\uFEFFemail;cohort;name\r\nhelene@example.org;creators-2026;Hélène Dupré\r\nemile@example.org;listeners-paris;"Zola; Émile"\r\n';
    const result = await validateCohort(bytes(csv), small);
    expect(result.errors).toEqual([]);
    expect(result.value.summary.separator).toBe(';');
    expect(result.value.rows?.map((r) => [r.line, r.email, r.cohort, r.name])).toEqual([
      [2, 'helene@example.org', 'creators-2026', 'Hélène Dupré'],
      [3, 'emile@example.org', 'listeners-paris', 'Zola; Émile'],
    ]);
    expect(formatSummary(result.value.summary)).toContain('header: email,cohort,name (separated by ;)');
  });

  it('finds the separator when the header arrives in pieces (a stream cut anywhere)', async () => {
    const csv = 'email;cohort;name\nana@example.org;fans;Ana\nbo@example.org;creators;Bo\n';
    const pieces = [...bytes(csv)].map((b) => Buffer.from([b]));
    const result = await validateCohortStream(Readable.from(pieces), small);
    expect(result.errors).toEqual([]);
    expect(result.value.rows?.map((r) => r.email)).toEqual(['ana@example.org', 'bo@example.org']);
  });

  it('reads a tab-separated export', async () => {
    const result = await validateCohort('email\tcohort\tname\nana@example.org\tfans\tAna Lopez, Jr\n', small);
    expect(result.errors).toEqual([]);
    expect(result.value.summary.separator).toBe('\t');
    expect(result.value.rows?.[0]?.name).toBe('Ana Lopez, Jr');
  });

  it('keeps a comma file a comma file when names hold semicolons', async () => {
    const result = await validateCohort('email,cohort,name\nana@example.org,fans,Ana; Lopez\n', small);
    expect(result.errors).toEqual([]);
    expect(result.value.summary.separator).toBe(',');
    expect(result.value.rows?.[0]?.name).toBe('Ana; Lopez');
  });

  it('names the separator when a row has one too many', async () => {
    const result = await validateCohort('email;cohort;name\nana@example.org;fans;Lopez; Ana\n', small);
    expect(codes(result.errors)).toEqual(['COHORT_FIELD_COUNT']);
    expect(formatFindings(result, { file: 'c.csv' })).toContain(
      'c.csv:2: has 4 fields, the header has 3 (email;cohort;name); a semicolon inside a value needs quotes',
    );
  });

  it('reads a Google Sheets export with empty trailing columns and a last line of empty cells', async () => {
    const csv = 'email,cohort,name,,\r\nana@example.org,fans,Ana,,\r\nbo@example.org,creators,Bo,,\r\n,,,,\r\n';
    const result = await validateCohort(csv, small);
    expect(result.errors).toEqual([]);
    expect(result.value.summary.rows).toBe(2);
    expect(result.value.summary.columns).toEqual(['email', 'cohort', 'name']);
  });

  it('skips rows of empty cells anywhere, as blank lines, and keeps the line numbers of the others', async () => {
    const result = await validateCohort('email;cohort\n;;\nana@example.org;fans\n ; \nbo@example.org;creators;\n', small);
    expect(result.errors).toEqual([]);
    expect(result.value.rows?.map((r) => r.line)).toEqual([3, 5]);
  });

  it('refuses a value under a column the header did not name', async () => {
    const result = await validateCohort('email,cohort,\nana@example.org,fans,VIP\n', small);
    expect(codes(result.errors)).toEqual(['COHORT_FIELD_COUNT']);
    expect(result.errors[0]?.line).toBe(2);
  });

  it('names an unnamed column in the middle of the header', async () => {
    const result = await validateCohort('email,,cohort\nana@example.org,x,fans\n', small);
    expect(codes(result.errors)).toEqual(['COHORT_BAD_HEADER']);
    expect(result.errors[0]?.message).toContain('column 2 of the header has no name');
  });

  it('reads Excel\'s "Unicode text" export: UTF-16 with a byte order mark, tabs, CRLF, accents, in pieces cut anywhere', async () => {
    const text = 'email\tcohort\tname\r\nhelene@example.org\tcreators-2026\tHélène Dupré\r\nzoe@example.org\tfans\tZoë 🎧\r\n';
    for (const [bom, encode] of [
      [[0xff, 0xfe], (t: string) => Buffer.from(t, 'utf16le')],
      [[0xfe, 0xff], (t: string) => Buffer.from(t, 'utf16le').swap16()],
    ] as const) {
      const bytes16 = Buffer.concat([Buffer.from(bom), encode(text)]);
      const pieces = [bytes16.subarray(0, 3), bytes16.subarray(3, 40), bytes16.subarray(40)];
      const result = await validateCohortStream(Readable.from(pieces), small);
      expect(result.errors).toEqual([]);
      expect(result.value.rows?.map((r) => [r.line, r.email, r.name])).toEqual([
        [2, 'helene@example.org', 'Hélène Dupré'],
        [3, 'zoe@example.org', 'Zoë 🎧'],
      ]);
    }
  });

  it('still refuses a Windows-1252 export, on each line that has such bytes', async () => {
    const cp1252 = Buffer.from('email;cohort;name\r\nhelene@example.org;fans;H\xe9l\xe8ne\r\n', 'latin1');
    const result = await validateCohort(cp1252, small);
    expect(codes(result.errors)).toEqual(['COHORT_NOT_UTF8']);
    expect(result.errors[0]?.line).toBe(2);
  });

  it('refuses names that a spreadsheet garbled (UTF-8 read as Windows-1252, saved again as UTF-8), naming line and name', async () => {
    // Excel opens a CSV UTF-8 file without its byte order mark as Windows-1252; "CSV UTF-8" then saves what it showed
    const csv =
      '\uFEFFemail;cohort;name\r\nhelene@example.org;fans;HÃ©lÃ¨ne\r\nana@example.org;fans;Ana\r\nzoe@example.org;fans;dâ€™Arc\r\n';
    const result = await validateCohort(bytes(csv), small);
    expect(codes(result.errors)).toEqual(['COHORT_BAD_NAME', 'COHORT_BAD_NAME']);
    const report = formatFindings(result, { file: 'c.csv' });
    expect(report).toContain('c.csv:2 name: looks garbled: "Ã©" is how "é" reads');
    expect(report).toContain('c.csv:4 name: looks garbled: "â€™" is how "’" reads');
    expect(result.value.summary.validRows).toBe(1);
  });

  it('says UTF-16 when such a file has no byte order mark, not "classic Mac line endings"', async () => {
    for (const encode of [(t: string) => Buffer.from(t, 'utf16le'), (t: string) => Buffer.from(t, 'utf16le').swap16()]) {
      const result = await validateCohort(encode('email\tcohort\tname\r\nhelene@example.org\tfans\tHélène\r\n'), small);
      expect(codes(result.errors)[0]).toBe('COHORT_BAD_HEADER');
      expect(result.errors[0]?.message).toContain(
        'NUL characters: a UTF-16 file without its byte order mark? save the file as "CSV UTF-8"',
      );
      expect(formatFindings(result, { file: 'c.csv' })).not.toContain('classic Mac');
    }
  });

  it('hands names on composed (NFC), as they go into the email and the database', async () => {
    const decomposed = 'Élodie Dupré Nguyễn'.normalize('NFD');
    const long = 'é'.repeat(150).normalize('NFD'); // 300 code units decomposed, 150 letters
    const result = await validateCohort(
      bytes(`email,cohort,name\nelodie@example.org,fans,${decomposed}\nlong@example.org,fans,${long}\n`),
      small,
    );
    expect(result.errors).toEqual([]);
    expect(result.value.rows?.map((r) => r.name)).toEqual(['Élodie Dupré Nguyễn'.normalize('NFC'), 'é'.repeat(150).normalize('NFC')]);
    expect(result.value.rows?.[0]?.name).not.toBe(decomposed);
  });
});
