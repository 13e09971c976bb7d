/**
 * Findings: what the validator reports about a CSV. Each code has a fixed
 * severity; `block` stops the send (exit 1), `warn` asks for an override
 * (exit 2, or 0 with --force). The README lists every code with its meaning.
 */
import { CONTROL_CHARS, showControlChars } from '@veza/invite-rules';
import { detach } from './detach.js';

export type Severity = 'block' | 'warn';

export interface Finding {
  code: FindingCode;
  severity: Severity;
  /** 1-based physical line of the file where the record starts; null for file-level findings. */
  line: number | null;
  /** The column concerned (`email`, `cohort`, `sent_by`, `role`, `name`), or null. */
  field: string | null;
  message: string;
  /** Every line involved, for duplicates. */
  lines?: number[];
}

export const FINDING_SEVERITY = {
  COHORT_UNREADABLE: 'block',
  COHORT_EMPTY: 'block',
  COHORT_NOT_UTF8: 'block',
  COHORT_BAD_HEADER: 'block',
  COHORT_BAD_QUOTES: 'block',
  COHORT_ROW_TOO_LONG: 'block',
  COHORT_FIELD_COUNT: 'block',
  COHORT_CONTROL_CHAR: 'block',
  COHORT_BAD_EMAIL: 'block',
  COHORT_EMAIL_NOT_ASCII: 'block',
  COHORT_DUPLICATE_EMAIL: 'block',
  COHORT_BAD_LABEL: 'block',
  COHORT_BAD_SENT_BY: 'block',
  COHORT_BAD_ROLE: 'block',
  COHORT_BAD_NAME: 'block',
  COHORT_TOO_FEW_ROWS: 'warn',
  COHORT_TOO_FEW_CREATORS: 'warn',
  COHORT_TOO_FEW_LISTENERS: 'warn',
  COHORT_TOO_FEW_LABELS: 'warn',
  COHORT_LIKELY_DUPLICATE: 'warn',
  COHORT_EXISTING_USER: 'warn',
} as const satisfies Record<string, Severity>;

export type FindingCode = keyof typeof FINDING_SEVERITY;

export const FINDING_CODES = Object.keys(FINDING_SEVERITY) as FindingCode[];

/** Characters of a cell a finding quotes (120): enough to find it in the file, not a 64 KB cell per finding. */
const QUOTED_CHARS = 120;

/** A cell as a finding quotes it: JSON-quoted, a long one cut with its length (`"aaa…" (100011 characters)`). */
export function quoted(value: string): string {
  if (value.length <= QUOTED_CHARS) return JSON.stringify(value);
  return `${JSON.stringify(`${value.slice(0, QUOTED_CHARS)}…`)} (${value.length} characters)`;
}

export function finding(code: FindingCode, line: number | null, field: string | null, message: string, lines?: number[]): Finding {
  // detached: the message quotes values cut from a chunk of the file, which would keep the chunk alive
  const f: Finding = { code, severity: FINDING_SEVERITY[code], line, field, message: detach(message) };
  if (lines) f.lines = lines;
  return f;
}

/**
 * Keeps the first `cap` findings of each code and counts the rest, so a
 * million bad rows cost a counter, not a million objects.
 */
export class FindingCollector {
  private readonly kept: Finding[] = [];
  private readonly perCode = new Map<FindingCode, number>();

  constructor(private readonly cap: number) {}

  add(f: Finding): void {
    const seen = this.perCode.get(f.code) ?? 0;
    this.perCode.set(f.code, seen + 1);
    // A message may quote the file, never print what CONTROL_CHARS lists (C0 and C1 controls: C1 escapes such as
    // U+009B reach a terminal, JSON.stringify leaves them alone; the line separators; the bidi and zero-width
    // characters): each is shown as `\uXXXX`.
    if (seen < this.cap) this.kept.push(CONTROL_CHARS.test(f.message) ? { ...f, message: showControlChars(f.message) } : f);
  }

  /** True once `code` has reached the cap: callers can skip building the finding and call tally(). */
  full(code: FindingCode): boolean {
    return (this.perCode.get(code) ?? 0) >= this.cap;
  }

  /** Counts a finding that is not kept (the cap was reached). */
  tally(code: FindingCode): void {
    this.perCode.set(code, (this.perCode.get(code) ?? 0) + 1);
  }

  count(code: FindingCode): number {
    return this.perCode.get(code) ?? 0;
  }

  /** How many findings of each code were counted but not kept. */
  omitted(): Partial<Record<FindingCode, number>> {
    const out: Partial<Record<FindingCode, number>> = {};
    for (const [code, n] of this.perCode) if (n > this.cap) out[code] = n - this.cap;
    return out;
  }

  /** Kept findings split by severity, file-level first, then by line. */
  sorted(): { errors: Finding[]; warnings: Finding[] } {
    const ordered = [...this.kept].sort((a, b) => (a.line ?? 0) - (b.line ?? 0));
    return { errors: ordered.filter((f) => f.severity === 'block'), warnings: ordered.filter((f) => f.severity === 'warn') };
  }
}
