import { digestCanonicalCode, generateCode } from '../code.js';
import { cohortProblem, emailProblem, isRole, nameProblem } from '@veza/invite-rules';
import type { Role } from '@veza/invite-rules';
import type { CreateOutcome, NewInvite } from './create-invites.js';

/** A row that passed every rule before the database: what the insert step writes. */
export interface Candidate {
  index: number;
  email: string;
  cohort: string;
  name: string | null;
  role: Role | null;
  sentBy: string | null;
  code: string;
  digest: string;
}

/**
 * A name in NFC, as RFC 5198 asks of text on the wire and as the cohort
 * validator hands it on: a backend calling createInvites with a name pasted
 * decomposed (`e` + U+0301, from a Mac or a PDF) stored it so, unequal to the
 * same name typed, and each accent counted twice against the length limit.
 */
const nfcName = (name: string) => name.normalize('NFC');

/** The first rule a row breaks, or null. */
export function checkRow(row: NewInvite): { field: string; reason: string } | null {
  const email = row.email.trim();
  const emailIssue = emailProblem(email);
  if (emailIssue) return { field: 'email', reason: `email ${emailIssue.reason}` };
  const cohortIssue = cohortProblem(row.cohort.trim());
  if (cohortIssue) return { field: 'cohort', reason: `cohort ${cohortIssue}` };
  if (row.name) {
    const nameIssue = nameProblem(nfcName(row.name));
    if (nameIssue) return { field: 'name', reason: `name ${nameIssue}` };
  }
  if (row.role && !isRole(row.role)) return { field: 'role', reason: `role must be creator or listener` };
  return null;
}

export interface InvitePlan {
  /** outcomes known before the database (failed, skipped), by input index; the rest is decided by the insert */
  outcomes: (CreateOutcome | undefined)[];
  /** rows to insert, each with its new code and digest, in input order */
  pending: Candidate[];
}

/**
 * The pure half of createInvites: checks each row against the invite rules,
 * skips a repeated email of the batch, maps sent_by through `senders`
 * (value → users.id, resolved beforehand) and draws a code for each row left.
 * No I/O; `generate` is the code source (the OS CSPRNG unless a test passes one).
 */
export function planInvites(
  rows: readonly NewInvite[],
  senders: ReadonlyMap<string, string>,
  generate: () => string = generateCode,
): InvitePlan {
  const outcomes: (CreateOutcome | undefined)[] = new Array<CreateOutcome | undefined>(rows.length);
  const firstIndexByEmail = new Map<string, number>();
  const pending: Candidate[] = [];
  rows.forEach((row, index) => {
    const email = row.email.trim();
    const problem = checkRow(row);
    if (problem) {
      outcomes[index] = { status: 'failed', index, email, ...problem };
      return;
    }
    const key = email.toLowerCase();
    const first = firstIndexByEmail.get(key);
    if (first !== undefined) {
      outcomes[index] = { status: 'skipped', index, email, reason: `same email as row ${first + 1} of this batch` };
      return;
    }
    firstIndexByEmail.set(key, index);
    const sentByValue = row.sentBy?.trim() || null;
    const sentBy = sentByValue ? senders.get(sentByValue) : null;
    if (sentByValue && !sentBy) {
      outcomes[index] = {
        status: 'failed',
        index,
        email,
        field: 'sent_by',
        reason: 'sent_by matches no user (give a users.id or the email of an existing user)',
      };
      return;
    }
    const code = generate();
    pending.push({
      index,
      email,
      cohort: row.cohort.trim(),
      name: row.name ? nfcName(row.name).trim() || null : null,
      role: (row.role as Role | null | undefined) || null,
      sentBy: sentBy ?? null,
      code,
      digest: digestCanonicalCode(code),
    });
  });

  return { outcomes, pending };
}
