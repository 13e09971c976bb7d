import { quoted } from './findings.js';
/** `reason` is read and ignored: `veza-beta invites prepare` writes it in failed.csv, which must validate as a cohort. */
export const COLUMNS = ['email', 'cohort', 'sent_by', 'role', 'name', 'reason'] as const;
export type Column = (typeof COLUMNS)[number];

/** `header`: a header line; `seed`: the seed's headerless email,cohort,sent_by rows. */
export type HeaderForm = 'header' | 'seed';

export type HeaderResult = { ok: true; form: HeaderForm; columns: Column[] } | { ok: false; problem: string };

const EXPECTED =
  'expected a header line email,cohort (optionally sent_by, role, name, in any order) or the seed form email,cohort,sent_by without a header';

/**
 * Reads the first record. A record with an `email` cell is a header; a
 * three-field record whose first field has an @ is the seed's headerless
 * form (and is itself the first data row); anything else is refused.
 */
export function readHeader(fields: string[]): HeaderResult {
  // UTF-16 without its byte order mark (iconv, some exports) reads as UTF-8 with a NUL after each letter,
  // and its CR as a bare one: the CR advice was wrong for it
  if (fields.some((cell) => cell.includes('\u0000')))
    return {
      ok: false,
      problem: 'the first line holds NUL characters: a UTF-16 file without its byte order mark? save the file as "CSV UTF-8"',
    };
  if (fields.some((cell) => cell.includes('\r')))
    return { ok: false, problem: 'the first line has a bare CR (classic Mac line endings): save the file with LF or CRLF line endings' };
  const cells = fields.map((cell) => cell.trim().toLowerCase());
  // Empty cells at the end of the header are columns no one named (a Google
  // Sheets or Excel export of a sheet with formatted empty columns): dropped.
  // Whatever a row holds there is checked by the row (it must be empty too).
  while (cells.length > 1 && cells[cells.length - 1] === '') cells.pop();
  if (!cells.includes('email')) {
    if (fields.length === 3 && fields[0]?.includes('@')) return { ok: true, form: 'seed', columns: ['email', 'cohort', 'sent_by'] };
    return { ok: false, problem: `the first line is not a header: ${EXPECTED}` };
  }
  const seen = new Set<string>();
  for (const [i, cell] of cells.entries()) {
    if (cell === '')
      return {
        ok: false,
        problem: `column ${i + 1} of the header has no name: name it (${COLUMNS.slice(0, 5).join(', ')}) or delete the column`,
      };
    if (!(COLUMNS as readonly string[]).includes(cell)) return { ok: false, problem: `unknown column ${quoted(cell)}: ${EXPECTED}` };
    if (seen.has(cell)) return { ok: false, problem: `column ${cell} appears twice` };
    seen.add(cell);
  }
  if (!seen.has('cohort')) return { ok: false, problem: `the header has no cohort column: ${EXPECTED}` };
  return { ok: true, form: 'header', columns: cells as Column[] };
}
