/**
 * Email address rules, the same as @veza/invites-db's `emailProblem` (which
 * this lib may not import): an ASCII dot-atom local part, `@`, a host name
 * with a dot, at most 254 characters. The checker accepts the common case with
 * one regex; only a refused address pays for the diagnosis that names why.
 */
export const EMAIL_LIMITS = {
  /** RFC 5321 path limit, in characters. */
  length: 254,
  /** RFC 5321 local-part limit, in characters. */
  localPartLength: 64,
} as const;

const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const VALID = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})+$`);
const ATEXT_ONLY = new RegExp(`^${ATEXT}$`);
const LABEL_ONLY = new RegExp(`^${LABEL}$`);

export interface EmailProblem {
  /** COHORT_EMAIL_NOT_ASCII is apart so that scripts can tell "fix the typo" from "ask for another address". */
  code: 'COHORT_BAD_EMAIL' | 'COHORT_EMAIL_NOT_ASCII';
  reason: string;
}

/** Why an address cannot be invited, or null when it can. */
export function emailProblem(email: string): EmailProblem | null {
  if (email.length <= EMAIL_LIMITS.length && VALID.test(email)) {
    const at = email.lastIndexOf('@');
    if (at <= EMAIL_LIMITS.localPartLength && !/\.[0-9]+$/.test(email)) return null;
  }
  return diagnose(email);
}

function bad(reason: string): EmailProblem {
  return { code: 'COHORT_BAD_EMAIL', reason };
}

function diagnose(email: string): EmailProblem {
  if (email.length === 0) return bad('is empty');
  // Deliberately ASCII only: an internationalised address needs SMTPUTF8 from
  // the relay (msmtp and most providers do not promise it), and a look-alike
  // character in a domain is a classic phishing trick.
  const nonAscii = /[\u0080-\uffff]/u.exec(email);
  if (nonAscii) {
    return {
      code: 'COHORT_EMAIL_NOT_ASCII',
      reason: `contains the non-ASCII character "${nonAscii[0]}": internationalised addresses need SMTPUTF8, which the invite relay does not support; ask for an ASCII address, or write the domain in its xn-- (punycode) form`,
    };
  }
  if (/<[^<>]*>/.test(email) || /^"[^"]*"\s*</.test(email)) {
    return bad('looks like a display name with an address (Ana <ana@example.org>): put only the address in the email column and the person in the name column');
  }
  if (/\s/.test(email)) return bad('contains a space');
  if (email.startsWith('"')) return bad('quoted local parts ("..."@domain) are not accepted');
  const at = email.lastIndexOf('@');
  if (at === -1) return bad('has no @: it needs a domain, like name@example.org');
  if (email.indexOf('@') !== at) return bad('has more than one @');
  if (at === 0) return bad('has nothing before the @');
  if (at === email.length - 1) return bad('has no domain after the @');
  if (email.length > EMAIL_LIMITS.length) return bad(`is longer than ${EMAIL_LIMITS.length} characters`);
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > EMAIL_LIMITS.localPartLength) return bad(`local part is longer than ${EMAIL_LIMITS.localPartLength} characters`);
  const localProblem = localPartProblem(local);
  if (localProblem) return bad(localProblem);
  return bad(domainProblem(domain));
}

function localPartProblem(local: string): string | null {
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return 'local part has a leading, trailing or double dot';
  for (const ch of local) {
    if (ch !== '.' && !ATEXT_ONLY.test(ch)) return `local part has a character that is not allowed: ${JSON.stringify(ch)}`;
  }
  return null;
}

function domainProblem(domain: string): string {
  if (domain.startsWith('[')) return 'IP-literal domains ([192.0.2.1]) are not accepted: use a host name';
  const labels = domain.split('.');
  if (labels.length < 2) return 'domain must contain a dot';
  const wrong = labels.find((label) => !LABEL_ONLY.test(label));
  if (wrong !== undefined) return wrong === '' ? 'domain has an empty label (a leading, trailing or double dot)' : `domain label ${JSON.stringify(wrong)} is not a valid host name label`;
  return 'domain must not end with a number (IP addresses are not accepted)';
}

/**
 * The mailbox an address most likely reaches, for "likely duplicate"
 * warnings: lower case, `+tag` dropped, and for gmail.com/googlemail.com dots
 * dropped and the domain unified. Returns its argument unchanged (same string)
 * when nothing applies, so the common case allocates nothing. Gmail is the
 * provider known to ignore dots; most providers deliver a+tag@ to a@, so tags
 * are dropped everywhere.
 */
export function canonicalMailbox(lowerEmail: string): string {
  const at = lowerEmail.lastIndexOf('@');
  const plus = lowerEmail.indexOf('+');
  const dotless = lowerEmail.endsWith('@gmail.com') || lowerEmail.endsWith('@googlemail.com');
  if (!dotless && (plus === -1 || plus > at)) return lowerEmail;
  const domain = lowerEmail.slice(at + 1);
  let local = lowerEmail.slice(0, plus !== -1 && plus < at ? plus : at);
  if (!dotless) return `${local}@${domain}`;
  local = local.replaceAll('.', '');
  const canonical = `${local}@gmail.com`;
  return canonical === lowerEmail ? lowerEmail : canonical;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a value is a UUID (any version), as `users.id` is. */
export function isUuid(value: string): boolean {
  return UUID.test(value);
}
