import type { CsvSeparator, CsvSink } from './csv-record-reader.js';
import { DuplicateIndex } from './duplicate-index.js';
import { FindingCollector, finding, quoted } from './findings.js';
import type { Finding, FindingCode } from './findings.js';
import { readHeader } from './read-header.js';
import type { Column, HeaderForm } from './read-header.js';
import type { ResolvedOptions, Thresholds } from './options.js';
import { classifyRow } from './role-rule.js';
import type { RoleSource } from './role-rule.js';
import { cohortProblem, controlCharProblem, emailProblem, nameProblem, parseRole, sentByProblem, TEST_COHORT } from '@veza/invite-rules';
import type { Role } from '@veza/invite-rules';
import { thresholdFindings } from './threshold-findings.js';

export interface CohortRow {
  /** line of the file the row starts on */
  line: number;
  /** as written, surrounding spaces removed */
  email: string;
  cohort: string;
  sentBy: string | null;
  name: string | null;
  /** creator or listener, or null when unclassified */
  role: Role | null;
  roleSource: RoleSource | null;
}

export interface LabelStats {
  rows: number;
  creators: number;
  listeners: number;
  unclassified: number;
}

export interface CohortSummary {
  /** data records read (header excluded, blank lines skipped) */
  rows: number;
  /** rows without a blocking finding: the ones counted below */
  validRows: number;
  creators: number;
  listeners: number;
  unclassified: number;
  /** per cohort label, valid rows only, labels in code-point order */
  labels: Record<string, LabelStats>;
  distinctLabels: number;
  header: HeaderForm | null;
  columns: Column[];
  /** the field separator read from the first line: `,`, or `;` (a spreadsheet in a French, German … locale), or a tab */
  separator: CsvSeparator;
  thresholds: Thresholds;
  /** whether existing users were looked up (--check-users) */
  usersChecked: boolean;
  /** findings counted but not kept, per code (see maxFindingsPerCode) */
  omittedFindings: Partial<Record<FindingCode, number>>;
}

export interface UserBatch {
  emails: string[];
  lines: number[];
}

/**
 * The rules applied to each record, fed by the CSV reader. Synchronous on
 * purpose: the driver awaits the user lookups between chunks, so one slow
 * database call holds back the file read (backpressure) instead of piling up.
 */
export class CohortChecker implements CsvSink {
  readonly findings: FindingCollector;
  private readonly duplicates: DuplicateIndex;
  private columns: Column[] | null = null;
  private form: HeaderForm | null = null;
  private sep: CsvSeparator = ',';
  private dead = false;
  private sawRecord = false;
  private rows = 0;
  private validRows = 0;
  /** lines the decoder found bytes that are not UTF-8 on, not yet passed by a record; such a row is never valid */
  private badByteLines: number[] = [];
  private badByteAt = 0;
  private rowHasBadBytes = false;
  private readonly labels = new Map<string, LabelStats>();
  private readonly collected: CohortRow[] = [];
  private batch: UserBatch = { emails: [], lines: [] };
  private readonly fullBatches: UserBatch[] = [];
  private index: Record<Column, number> = { email: -1, cohort: -1, sent_by: -1, role: -1, name: -1, reason: -1 };

  constructor(private readonly options: ResolvedOptions) {
    this.findings = new FindingCollector(options.maxFindingsPerCode);
    this.duplicates = new DuplicateIndex(options.maxFindingsPerCode);
  }

  problem(kind: 'quotes' | 'too-long', line: number, message: string): void {
    this.add(kind === 'quotes' ? 'COHORT_BAD_QUOTES' : 'COHORT_ROW_TOO_LONG', line, null, message);
  }

  invalidBytes(line: number): void {
    this.badByteLines.push(line);
    this.add(
      'COHORT_NOT_UTF8',
      line,
      null,
      'has bytes that are not UTF-8 (a Latin-1 or Windows-1252 export, Excel\'s plain "CSV"?): save the file as "CSV UTF-8"',
    );
  }

  separator(separator: CsvSeparator): void {
    this.sep = separator;
  }

  record(fields: string[] | null, line: number): void {
    // A row of empty cells (`,,,` or `;;;`: a spreadsheet's formatted empty
    // rows, often the last line) is a blank line, skipped like one.
    if (fields && fields.every((cell) => cell.trim() === '')) return;
    if (!this.sawRecord) {
      this.sawRecord = true;
      if (fields && this.startWith(fields, line)) return;
      if (!fields) this.dead = true;
    }
    this.rows++;
    // Lines with bad bytes are reported (by the decoder) before their record is parsed, in order.
    while (this.badByteLines.length > this.badByteAt && this.badByteLines[this.badByteAt]! < line) this.badByteAt++;
    this.rowHasBadBytes = this.badByteLines[this.badByteAt] === line;
    if (this.badByteAt > 1024) {
      this.badByteLines.splice(0, this.badByteAt);
      this.badByteAt = 0;
    }
    if (fields && !this.dead) this.checkRow(fields, line);
  }

  /** Reads the first record as the header; false when it is a seed-form data row. */
  private startWith(fields: string[], line: number): boolean {
    const header = readHeader(fields);
    if (!header.ok) {
      this.add('COHORT_BAD_HEADER', line, null, header.problem);
      this.dead = true;
      return true;
    }
    this.columns = header.columns;
    this.form = header.form;
    header.columns.forEach((column, i) => (this.index[column] = i));
    return header.form === 'header';
  }

  private checkRow(fields: string[], line: number): void {
    const columns = this.columns ?? [];
    // Empty cells past the named columns: the header's unnamed trailing columns, or a stray separator at the end.
    while (fields.length > columns.length && (fields[fields.length - 1] ?? '').trim() === '') fields.pop();
    if (fields.length !== columns.length) {
      this.add(
        'COHORT_FIELD_COUNT',
        line,
        null,
        `has ${fields.length} fields, the header has ${columns.length} (${columns.join(this.sep === '\t' ? ', ' : this.sep)}); ${this.sep === '\t' ? 'a tab' : this.sep === ';' ? 'a semicolon' : 'a comma'} inside a value needs quotes`,
      );
      return;
    }
    let ok = true;
    for (let i = 0; i < fields.length; i++) {
      const value = fields[i] ?? '';
      const control = controlCharProblem(value);
      if (control) {
        ok = false;
        this.add(
          'COHORT_CONTROL_CHAR',
          line,
          columns[i] ?? null,
          `${control}, which could inject a mail header or break a log line: remove it`,
        );
      } else {
        fields[i] = value.trim();
      }
    }
    if (!ok) return;
    const email = fields[this.index.email] ?? '';
    const cohort = fields[this.index.cohort] ?? '';
    const sentBy = this.index.sent_by >= 0 ? (fields[this.index.sent_by] ?? '') : '';
    const roleCell = this.index.role >= 0 ? fields[this.index.role] : undefined;
    // NFC, as RFC 5198 asks of text on the wire: a name typed or pasted on a Mac can arrive decomposed ("e" and
    // U+0301), which some mail programs show as two marks, a search for "é" misses, and the length limit counts twice
    const name = this.index.name >= 0 ? (fields[this.index.name] ?? '').normalize('NFC') : '';

    const emailIssue = emailProblem(email);
    if (emailIssue) {
      ok = false;
      this.add(
        emailIssue.kind === 'not-ascii' ? 'COHORT_EMAIL_NOT_ASCII' : 'COHORT_BAD_EMAIL',
        line,
        'email',
        `${quoted(email)} ${emailIssue.reason}`,
      );
    } else {
      const lower = email.toLowerCase();
      if (!this.duplicates.add(lower, line)) ok = false;
      else if (this.options.existingUsers) this.queueUserCheck(lower, line);
    }
    const cohortIssue =
      cohortProblem(cohort) ??
      (cohort === TEST_COHORT
        ? "is preflight's own test cohort: its invites are never counted (funnel, testers gate); use another label"
        : null);
    if (cohortIssue) ok = this.add('COHORT_BAD_LABEL', line, 'cohort', `${quoted(cohort)} ${cohortIssue}`);
    if (sentBy !== '') {
      const issue = sentByProblem(sentBy);
      if (issue) ok = this.add('COHORT_BAD_SENT_BY', line, 'sent_by', `${quoted(sentBy)} ${issue}`);
    }
    if (roleCell !== undefined && roleCell !== '' && parseRole(roleCell) === null) {
      ok = this.add(
        'COHORT_BAD_ROLE',
        line,
        'role',
        `${quoted(roleCell)} is not a role: use creator or listener, or leave it empty to use the label rule`,
      );
    }
    const nameIssue = nameProblem(name);
    // a line whose bytes are not UTF-8 has its COHORT_NOT_UTF8 already; the U+FFFD they became is not a second finding
    if (nameIssue && !(this.rowHasBadBytes && name.includes('\ufffd'))) ok = this.add('COHORT_BAD_NAME', line, 'name', nameIssue);
    if (ok && !this.rowHasBadBytes) this.countValid(line, email, cohort, sentBy, roleCell, name);
  }

  private countValid(line: number, email: string, cohort: string, sentBy: string, roleCell: string | undefined, name: string): void {
    this.validRows++;
    const role = classifyRow(roleCell, cohort);
    let stats = this.labels.get(cohort);
    if (!stats) this.labels.set(cohort, (stats = { rows: 0, creators: 0, listeners: 0, unclassified: 0 }));
    stats.rows++;
    if (role?.role === 'creator') stats.creators++;
    else if (role?.role === 'listener') stats.listeners++;
    else stats.unclassified++;
    if (this.options.collectRows) {
      this.collected.push({
        line,
        email,
        cohort,
        sentBy: sentBy || null,
        name: name || null,
        role: role?.role ?? null,
        roleSource: role?.source ?? null,
      });
    }
  }

  private queueUserCheck(lower: string, line: number): void {
    this.batch.emails.push(lower);
    this.batch.lines.push(line);
    if (this.batch.emails.length >= this.options.userBatchSize) {
      this.fullBatches.push(this.batch);
      this.batch = { emails: [], lines: [] };
    }
  }

  /** The batches of emails ready for the existing-users lookup; with `all`, the last partial one too. */
  takeUserBatches(all: boolean): UserBatch[] {
    const out = this.fullBatches.splice(0);
    if (all && this.batch.emails.length > 0) {
      out.push(this.batch);
      this.batch = { emails: [], lines: [] };
    }
    return out;
  }

  existingUsers(batch: UserBatch, existing: Set<string>): void {
    batch.emails.forEach((email, i) => {
      if (existing.has(email))
        this.add(
          'COHORT_EXISTING_USER',
          batch.lines[i] ?? null,
          'email',
          `${email} already belongs to a user: they do not need an invite (remove the row, or --force to send anyway)`,
        );
    });
  }

  /** Returns false, so that `ok = this.add(...)` marks the row invalid. */
  private add(code: FindingCode, line: number | null, field: string | null, message: string, lines?: number[]): false {
    if (this.findings.full(code)) this.findings.tally(code);
    else this.findings.add(finding(code, line, field, message, lines));
    return false;
  }

  /** The end of the file: file-level and whole-file findings, and the summary. */
  finish(): { summary: CohortSummary; rows: CohortRow[] | undefined; errors: Finding[]; warnings: Finding[] } {
    if (this.rows === 0 && !this.dead)
      this.add('COHORT_EMPTY', null, null, this.sawRecord ? 'has a header but no rows' : 'is empty: no header and no rows');
    for (const group of this.duplicates.exactGroups()) {
      const more = group.more > 0 ? ` and ${group.more} more` : '';
      this.add(
        'COHORT_DUPLICATE_EMAIL',
        group.lines[0] ?? null,
        'email',
        `${group.key} appears ${group.lines.length + group.more} times (case-insensitive), on lines ${group.lines.join(', ')}${more}: keep one`,
        group.lines,
      );
    }
    for (let i = 0; i < this.duplicates.droppedOccurrences; i++) this.findings.tally('COHORT_DUPLICATE_EMAIL');
    for (const group of this.duplicates.likelyGroups()) {
      const who = group.emails
        .map((email, i) => (email ? `${email} (line ${group.lines[i] ?? '?'})` : `line ${group.lines[i] ?? '?'}`))
        .join(', ');
      this.add(
        'COHORT_LIKELY_DUPLICATE',
        group.lines[0] ?? null,
        'email',
        `${who} probably reach the same mailbox ${group.key}: keep one unless they are different people`,
        group.lines,
      );
    }
    // tallied after the kept ones, or the cap would count them first
    for (let i = 0; i < this.duplicates.droppedLikely; i++) this.findings.tally('COHORT_LIKELY_DUPLICATE');
    const summary = this.summary();
    if (this.rows > 0 && !this.dead) for (const f of thresholdFindings(summary)) this.add(f.code, null, null, f.message);
    summary.omittedFindings = this.findings.omitted();
    const { errors, warnings } = this.findings.sorted();
    return { summary, rows: this.options.collectRows ? this.collected : undefined, errors, warnings };
  }

  private summary(): CohortSummary {
    const labels: Record<string, LabelStats> = {};
    let creators = 0;
    let listeners = 0;
    let unclassified = 0;
    for (const label of [...this.labels.keys()].sort()) {
      const stats = this.labels.get(label) as LabelStats;
      labels[label] = stats;
      creators += stats.creators;
      listeners += stats.listeners;
      unclassified += stats.unclassified;
    }
    return {
      rows: this.rows,
      validRows: this.validRows,
      creators,
      listeners,
      unclassified,
      labels,
      distinctLabels: this.labels.size,
      header: this.form,
      columns: this.columns ?? [],
      separator: this.sep,
      thresholds: this.options.thresholds,
      usersChecked: this.options.existingUsers !== undefined,
      omittedFindings: {},
    };
  }
}
