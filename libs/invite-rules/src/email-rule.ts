import { codePointLabel } from './control-chars.js';
import { INVITE_LIMITS } from './limits.js';

/**
 * An address that can be invited: an ASCII dot-atom local part (letters,
 * digits, ``!#$%&'*+/=?^_`{|}~-``, single dots inside) of at most 64
 * characters, `@`, a host name with a dot that does not end in a number, at
 * most 254 characters in all. The common case passes one regex; only a
 * refused address pays for the diagnosis that names why.
 */
const ATEXT = "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]";
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const VALID = new RegExp(`^${ATEXT}+(?:\\.${ATEXT}+)*@${LABEL}(?:\\.${LABEL})+$`);
const ATEXT_ONLY = new RegExp(`^${ATEXT}$`);
const LABEL_ONLY = new RegExp(`^${LABEL}$`);

export interface EmailProblem {
  /** `not-ascii` is apart so that a caller can tell "fix the typo" from "ask for another address". */
  kind: 'malformed' | 'not-ascii';
  /** what is wrong, to follow the address in a sentence: "has no @: …" */
  reason: string;
}

/** Why an address cannot be invited, or null when it can. The address is taken as given: trim it first. */
export function emailProblem(email: string): EmailProblem | null {
  if (email.length <= INVITE_LIMITS.emailLength && VALID.test(email)) {
    const at = email.lastIndexOf('@');
    if (at <= INVITE_LIMITS.localPartLength && !/\.[0-9]+$/.test(email)) return null;
  }
  return diagnose(email);
}

function malformed(reason: string): EmailProblem {
  return { kind: 'malformed', reason };
}

function diagnose(email: string): EmailProblem {
  if (email.length === 0) return malformed('is empty');
  // Deliberately ASCII only: an internationalised address needs SMTPUTF8 from
  // the relay (msmtp and most providers do not promise it), and a look-alike
  // character in a domain is a classic phishing trick.
  const nonAscii = /[\u0080-\uffff]/u.exec(email);
  if (nonAscii) {
    const typo = strayCharacter(email, nonAscii[0]);
    if (typo) return malformed(typo);
    // the xn-- form exists for a domain only: "héloïse@…" was told to write its domain in it
    const inDomain = email.includes('@') && nonAscii.index > email.lastIndexOf('@');
    return {
      kind: 'not-ascii',
      reason: `contains the non-ASCII character "${nonAscii[0]}": internationalised addresses need SMTPUTF8, which the invite relay does not support; ${inDomain ? 'ask for an ASCII address, or write the domain in its xn-- (punycode) form' : 'ask the person for an ASCII address (the part before the @ has no ASCII form)'}`,
    };
  }
  if (/<[^<>]*>/.test(email) || /^"[^"]*"\s*</.test(email)) {
    return malformed(
      'looks like a display name with an address (Ana <ana@example.org>): put only the address in the email column and the person in the name column',
    );
  }
  if (/\s/.test(email)) return malformed('contains a space');
  if (email.startsWith('"')) return malformed('quoted local parts ("..."@domain) are not accepted');
  const at = email.lastIndexOf('@');
  if (at === -1) return malformed('has no @: it needs a domain, like name@example.org');
  if (email.indexOf('@') !== at) return malformed('has more than one @');
  if (at === 0) return malformed('has nothing before the @');
  if (at === email.length - 1) return malformed('has no domain after the @');
  if (email.length > INVITE_LIMITS.emailLength) return malformed(`is longer than ${INVITE_LIMITS.emailLength} characters`);
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (local.length > INVITE_LIMITS.localPartLength)
    return malformed(`local part is longer than ${INVITE_LIMITS.localPartLength} characters`);
  return malformed(localPartProblem(local) ?? domainProblem(domain));
}

/**
 * A character that is no part of anyone's address: a Unicode space or an
 * invisible one (a paste from a document or a chat), or a full-width or other
 * look-alike form of an ASCII one (`＠`, `．`: a phone or an Asian keyboard).
 * A typo to fix, not an address to ask for again; shown by its code point,
 * since most of them cannot be seen.
 */
function strayCharacter(email: string, ch: string): string | null {
  const code = codePointLabel(ch);
  if (/\s/u.test(ch)) return `contains a no-break or other Unicode space (${code}): remove it`;
  if (/\p{Cf}/u.test(ch)) return `contains the invisible character ${code}: remove it`;
  const plain = email.normalize('NFKC');
  if (plain !== email && /^[\x21-\x7e]+$/.test(plain) && VALID.test(plain))
    return `contains "${ch}" (${code}), a look-alike of "${ch.normalize('NFKC')}": type it again in plain ASCII (${plain})`;
  return null;
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
  if (wrong !== undefined)
    return wrong === ''
      ? 'domain has an empty label (a leading, trailing or double dot)'
      : `domain label ${JSON.stringify(wrong)} is not a valid host name label`;
  return 'domain must not end with a number (IP addresses are not accepted)';
}
