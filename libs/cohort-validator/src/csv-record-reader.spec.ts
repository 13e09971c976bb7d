import type { Options } from 'csv-parse';
import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { CsvRecordReader } from './csv-record-reader.js';
import type { CsvSink } from './csv-record-reader.js';

interface Read {
  records: { fields: string[] | null; line: number }[];
  problems: { kind: string; line: number }[];
}

function read(chunks: string[], maxRecordLength?: number): Read {
  const out: Read = { records: [], problems: [] };
  const sink: CsvSink = {
    record: (fields, line) => out.records.push({ fields, line }),
    problem: (kind, line) => out.problems.push({ kind, line }),
  };
  const reader = new CsvRecordReader(sink, maxRecordLength);
  for (const chunk of chunks) reader.push(chunk);
  reader.end();
  return out;
}

/** Cuts a text at the given positions (fast-check picks them), as a stream would. */
function split(text: string, cuts: number[]): string[] {
  const points = [...new Set(cuts.map((c) => c % (text.length + 1)))].sort((a, b) => a - b);
  const chunks: string[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(text.slice(from, p));
    from = p;
  }
  chunks.push(text.slice(from));
  return chunks;
}

function quote(field: string): string {
  return /[",\r\n]/.test(field) || field === '' ? `"${field.replaceAll('"', '""')}"` : field;
}

describe('CsvRecordReader', () => {
  it('names the line each record starts on, across quoted line breaks, CRLF and blank lines', () => {
    const { records, problems } = read(['email,cohort\r\n"a\nb",x\r\n\r\nc,"d"\n', 'e,f']);
    expect(problems).toEqual([]);
    expect(records).toEqual([
      { fields: ['email', 'cohort'], line: 1 },
      { fields: ['a\nb', 'x'], line: 2 },
      { fields: ['c', 'd'], line: 5 },
      { fields: ['e', 'f'], line: 6 },
    ]);
  });

  it('reports malformed quoting and goes on with the next record', () => {
    const { records, problems } = read(['a,b"c\n"x"y,z\nok,1\n"never closed,2\n']);
    expect(problems).toEqual([
      { kind: 'quotes', line: 1 },
      { kind: 'quotes', line: 2 },
      { kind: 'quotes', line: 4 },
    ]);
    expect(records).toEqual([
      { fields: null, line: 1 },
      { fields: null, line: 2 },
      { fields: ['ok', '1'], line: 3 },
      { fields: null, line: 4 },
    ]);
  });

  it('drops a record longer than the limit instead of buffering the rest of the file, and resumes after the next line feed', () => {
    const { records, problems } = read(['a,"open\n', 'x'.repeat(50), '\nnext line\n', 'b,c\n'], 40);
    expect(problems).toEqual([{ kind: 'too-long', line: 1 }]);
    expect(records).toEqual([
      { fields: ['next line'], line: 3 },
      { fields: ['b', 'c'], line: 4 },
    ]);
  });

  it('reads what csv-parse reads, however the text is cut into chunks', () => {
    const field = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', 'é', '😀'), maxLength: 8 });
    const record = fc.array(field, { minLength: 2, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 8 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.nat(), { maxLength: 6 }),
        (rows, eol, cuts) => {
          const text = rows.map((r) => r.map(quote).join(',')).join(eol) + eol;
          const expected: string[][] = parse(text, { relax_column_count: true, skip_empty_lines: true } satisfies Options);
          const got = read(split(text, cuts));
          expect(got.problems).toEqual([]);
          expect(got.records.map((r) => r.fields)).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
