import { CODE_PATTERN, cohortProblem, emailProblem, nameProblem } from '@veza/invite-rules';
import { RecipientInvalidError } from './errors.js';

/** One person to invite, as the invites database hands them over. */
export interface InviteRecipient {
  email: string;
  name?: string;
  cohort: string;
  /** The invite code, grouped or not (`7K3M-Q9ZD-1XWN-4T8R`); it goes in the body and link only. */
  code: string;
  expiresAt: Date;
  /** The invite's row id: the X-Veza-Invite-Id header, so a dispatcher matches files to invites. */
  inviteId: string | number;
}

export interface CheckedRecipient {
  email: string;
  name: string | undefined;
  cohort: string;
  codeGrouped: string;
  expiresAt: Date;
  inviteId: string;
}

const INVITE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Validates one recipient with the invite rules of @veza/invite-rules (the
 * ones the database and the cohort validator apply, so a recipient they
 * accept renders), or throws EMAIL_RECIPIENT_INVALID naming the field (never
 * quoting the code). The name rule refuses `{{` and `}}`: a value that looks
 * like a placeholder would defeat the "no {{…}} reaches a recipient" check.
 */
export function checkRecipient(recipient: InviteRecipient): CheckedRecipient {
  const email = recipient.email?.trim() ?? '';
  const emailIssue = emailProblem(email);
  if (emailIssue) throw new RecipientInvalidError('email', emailIssue.reason);
  const name = recipient.name?.trim() || undefined;
  const nameIssue = name === undefined ? null : nameProblem(name);
  if (nameIssue) throw new RecipientInvalidError('name', nameIssue);
  const cohort = recipient.cohort?.trim() ?? '';
  const cohortIssue = cohortProblem(cohort);
  if (cohortIssue) throw new RecipientInvalidError('cohort', cohortIssue);
  const raw = String(recipient.code ?? '')
    .replace(/[\s-]/g, '')
    .toUpperCase();
  if (!CODE_PATTERN.test(raw)) throw new RecipientInvalidError('code', 'is not 16 Crockford base32 characters');
  if (!(recipient.expiresAt instanceof Date) || Number.isNaN(recipient.expiresAt.getTime())) {
    throw new RecipientInvalidError('expiresAt', 'is not a valid date');
  }
  const inviteId = String(recipient.inviteId ?? '');
  if (!INVITE_ID.test(inviteId)) throw new RecipientInvalidError('inviteId', 'must be 1-64 letters, digits, ".", "_" or "-"');
  return { email, name, cohort, codeGrouped: raw.match(/.{4}/g)!.join('-'), expiresAt: recipient.expiresAt, inviteId };
}
