import { RecipientInvalidError } from './errors.js';
import { hasControlChars } from './header-value.js';
import { addressProblem } from './settings.js';

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

// Crockford base32 (no I, L, O, U), 16 characters: the format of @veza/invites-db codes.
const CODE = /^[0-9A-HJKMNP-TV-Z]{16}$/;
const INVITE_ID = /^[A-Za-z0-9._-]{1,64}$/;
/** Limits in characters; they match the cohort/name rules of @veza/invites-db. */
const MAX_NAME = 200;
const MAX_COHORT = 100;

function textProblem(value: string, max: number): string | undefined {
  if (hasControlChars(value)) return 'contains a line break or control character';
  if (value.length > max) return `is longer than ${max} characters`;
  // A value that looks like a placeholder would defeat the "no {{…}} reaches a recipient" check.
  if (value.includes('{{') || value.includes('}}')) return 'contains "{{" or "}}"';
  return undefined;
}

/** Validates one recipient, or throws EMAIL_RECIPIENT_INVALID naming the field (never quoting the code). */
export function checkRecipient(recipient: InviteRecipient): CheckedRecipient {
  const email = recipient.email?.trim() ?? '';
  const emailProblem = addressProblem(email);
  if (emailProblem) throw new RecipientInvalidError('email', emailProblem);
  const name = recipient.name?.trim() || undefined;
  const nameProblem = name === undefined ? undefined : textProblem(name, MAX_NAME);
  if (nameProblem) throw new RecipientInvalidError('name', nameProblem);
  const cohort = recipient.cohort?.trim() ?? '';
  const cohortProblem = cohort === '' ? 'is empty' : textProblem(cohort, MAX_COHORT);
  if (cohortProblem) throw new RecipientInvalidError('cohort', cohortProblem);
  const raw = String(recipient.code ?? '').replace(/[\s-]/g, '').toUpperCase();
  if (!CODE.test(raw)) throw new RecipientInvalidError('code', 'is not 16 Crockford base32 characters');
  if (!(recipient.expiresAt instanceof Date) || Number.isNaN(recipient.expiresAt.getTime())) {
    throw new RecipientInvalidError('expiresAt', 'is not a valid date');
  }
  const inviteId = String(recipient.inviteId ?? '');
  if (!INVITE_ID.test(inviteId)) throw new RecipientInvalidError('inviteId', 'must be 1-64 letters, digits, ".", "_" or "-"');
  return { email, name, cohort, codeGrouped: raw.match(/.{4}/g)!.join('-'), expiresAt: recipient.expiresAt, inviteId };
}
