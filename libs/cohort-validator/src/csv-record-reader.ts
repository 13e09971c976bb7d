/**
 * A streaming RFC 4180 reader that names the line each record starts on and
 * never throws: malformed quoting is reported and the record skipped. It is
 * ours rather than csv-parse's because the validator needs exact start lines,
 * recovery instead of an exception, and speed: a line without a quote is one
 * indexOf and one split (see bench/validate.bench.ts for the comparison).
 */
export interface CsvSink {
  /** A record; `fields` is null when its quoting was malformed (already reported through problem()). */
  record(fields: string[] | null, line: number): void;
  problem(kind: 'quotes' | 'too-long', line: number, message: string): void;
  /** The separator read from the first line, told once before the first record. */
  separator?(separator: CsvSeparator): void;
}

/**
 * The field separator. A comma, unless the first line has none and has
 * semicolons (Excel and Numbers in a French, German … locale save "CSV" that
 * way, whatever the menu says) or, with neither, tabs (a "Unicode text" or
 * tab-separated export).
 */
export type CsvSeparator = ',' | ';' | '\t';

/** The separator of a file whose first line (its header) is `line`. */
export function detectSeparator(line: string): CsvSeparator {
  let commas = 0;
  let semicolons = 0;
  let tabs = 0;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === 34) quoted = !quoted;
    else if (quoted) continue;
    else if (c === 44) commas++;
    else if (c === 59) semicolons++;
    else if (c === 9) tabs++;
  }
  if (commas > 0) return ',';
  if (semicolons > 0) return ';';
  return tabs > 0 ? '\t' : ',';
}

/** Longest record kept while waiting for its end, in characters: past it the record is dropped, so memory stays bounded. */
export const MAX_RECORD_LENGTH = 65_536;

interface Parsed {
  fields: string[] | null;
  next: number;
}

export class CsvRecordReader {
  private buf = '';
  private line = 1;
  private skipping = false;
  private atStart = true;
  /** read from the first line once it is whole (sepKnown) */
  private sep: CsvSeparator = ',';
  private sepCode = 44;
  private sepKnown = false;

  constructor(
    private readonly sink: CsvSink,
    private readonly maxRecordLength = MAX_RECORD_LENGTH,
  ) {}

  push(text: string): void {
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      // A byte order mark (Excel's "CSV UTF-8") is not part of the first column name.
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    this.buf = this.buf.length > 0 ? this.buf + text : text;
    this.drain(false);
  }

  end(): void {
    this.drain(true);
    this.buf = '';
  }

  private drain(final: boolean): void {
    const buf = this.buf;
    const len = buf.length;
    let pos = 0;
    if (!this.sepKnown) {
      const nl = buf.indexOf('\n');
      if (nl === -1 && !final && len <= this.maxRecordLength) return;
      this.sep = detectSeparator(nl === -1 ? buf : buf.slice(0, nl));
      this.sepCode = this.sep.charCodeAt(0);
      this.sepKnown = true;
      this.sink.separator?.(this.sep);
    }
    if (this.skipping) {
      const nl = buf.indexOf('\n');
      if (nl === -1) {
        this.buf = '';
        return;
      }
      this.skipping = false;
      this.line++;
      pos = nl + 1;
    }
    let quote = buf.indexOf('"', pos);
    while (pos < len) {
      const nl = buf.indexOf('\n', pos);
      if (quote !== -1 && quote < pos) quote = buf.indexOf('"', pos);
      if (quote === -1 || (nl !== -1 && quote > nl)) {
        if (nl === -1 && !final) break;
        const end = nl === -1 ? len : nl;
        const stop = end > pos && buf.charCodeAt(end - 1) === 13 ? end - 1 : end;
        if (stop > pos) this.sink.record(buf.slice(pos, stop).split(this.sep), this.line);
        this.line++;
        pos = end + 1;
        continue;
      }
      const parsed = this.parseQuoted(buf, pos, final);
      if (!parsed) break;
      this.sink.record(parsed.fields, this.line);
      this.line += countNewlines(buf, pos, parsed.next);
      pos = parsed.next;
    }
    this.buf = pos >= len ? '' : buf.slice(pos);
    if (!final && this.buf.length > this.maxRecordLength) {
      this.sink.problem(
        'too-long',
        this.line,
        `record is longer than ${this.maxRecordLength} characters (an unclosed quote?); skipped to the next line`,
      );
      this.line += countNewlines(this.buf, 0, this.buf.length);
      this.buf = '';
      this.skipping = true;
    }
  }

  /** One record with at least one quote, from `pos`; null when it continues past the buffer. */
  private parseQuoted(buf: string, pos: number, final: boolean): Parsed | null {
    const len = buf.length;
    const fields: string[] = [];
    let problem: string | null = null;
    let i = pos;
    for (;;) {
      let value: string;
      if (buf.charCodeAt(i) === 34) {
        value = '';
        let start = i + 1;
        let j = start;
        for (;;) {
          const q = buf.indexOf('"', j);
          if (q === -1 || (q === len - 1 && !final)) {
            if (!final) return null;
            this.sink.problem('quotes', this.line, 'a quoted field is not closed before the end of the file');
            return { fields: null, next: len };
          }
          if (buf.charCodeAt(q + 1) === 34) {
            value += buf.slice(start, q + 1);
            j = start = q + 2;
            continue;
          }
          value += buf.slice(start, q);
          i = q + 1;
          break;
        }
        const c = buf.charCodeAt(i);
        if (i < len && c !== this.sepCode && c !== 10 && !(c === 13 && buf.charCodeAt(i + 1) === 10)) {
          problem ??= 'text after the closing quote of a field (a quote inside a field must be doubled: "")';
          const stop = nextDelimiter(buf, i, this.sep);
          if (stop === len && !final) return null;
          value += buf.slice(i, stop);
          i = stop;
        } else if (c === 13) {
          i++;
        }
      } else {
        const stop = nextDelimiter(buf, i, this.sep);
        if (stop === len && !final) return null;
        value = buf.slice(i, stop);
        if (value.includes('"')) problem ??= 'a quote inside an unquoted field (quote the whole field and double the quote: "")';
        if (buf.charCodeAt(stop) === 10 && value.endsWith('\r')) value = value.slice(0, -1);
        i = stop;
      }
      fields.push(value);
      if (i >= len) return this.finish(fields, problem, len);
      if (buf.charCodeAt(i) === 10) return this.finish(fields, problem, i + 1);
      i++; // the separator
      if (i >= len) {
        if (!final) return null;
        fields.push('');
        return this.finish(fields, problem, len);
      }
    }
  }

  private finish(fields: string[], problem: string | null, next: number): Parsed {
    if (problem) this.sink.problem('quotes', this.line, problem);
    return { fields: problem ? null : fields, next };
  }
}

function nextDelimiter(buf: string, from: number, sep: string): number {
  const comma = buf.indexOf(sep, from);
  const nl = buf.indexOf('\n', from);
  if (comma === -1) return nl === -1 ? buf.length : nl;
  return nl === -1 || comma < nl ? comma : nl;
}

function countNewlines(buf: string, from: number, to: number): number {
  let n = 0;
  for (let i = buf.indexOf('\n', from); i !== -1 && i < to; i = buf.indexOf('\n', i + 1)) n++;
  return n;
}
