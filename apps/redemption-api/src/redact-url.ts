/**
 * A request URL safe to log, whatever the shape of its path. Anything that
 * could be an invite code (or a good part of one) in any spelling parseCode
 * accepts — any case, grouped by hyphens or spaces or not, I/L/O for 1/0,
 * percent-encoded or not — is replaced by [redacted], wherever it is: a path
 * segment (`//v1/invites/CODE`, `/CODE`, `/x/../v1/invites/CODE`), a query key.
 * Every query value is hidden too (`/signup?invite=CODE`).
 */
import { isIP } from 'node:net';
import { hideCodes } from '@veza/invite-rules';

/**
 * Runs with this many code characters or more are hidden: half a code (40 bits)
 * is already too much to leave in a log. No route word is this long ("invites" is 7).
 */
const MIN_HIDDEN = 8;

/** Undoes percent-encoding, several layers deep, one byte per escape (a code is ASCII). */
function percentDecode(text: string): string {
  let out = text;
  for (let pass = 0; pass < 4 && out.includes('%') && /%[0-9a-f]{2}/i.test(out); pass++) {
    out = out.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return out;
}

/**
 * Codes hidden (@veza/invite-rules' hideCodes) in the percent-decoded text;
 * then a whole code grouped by other punctuation (`W9QB.VC03.SW6R.YD7T`,
 * `w9qb_vc03_…`): parseCode refuses that spelling (400), but it is a live
 * code all the same, and it reached the access log whole.
 */
const HALF_CODE = { minChars: MIN_HIDDEN };
const WHOLE_CODE_ANY_PUNCTUATION = { minChars: 16, punctuation: true };

/**
 * Runs of code characters, then whole codes grouped by other punctuation. A
 * module-level function, not a closure per call: it runs on every request, and
 * tsx (which runs the service) names each closure it creates with
 * Object.defineProperty, about a microsecond each.
 */
function hide(text: string): string {
  return hideCodes(hideCodes(text, HALF_CODE), WHOLE_CODE_ANY_PUNCTUATION);
}

function hideCodesIn(raw: string): string {
  // A "%" that starts no escape: the router refused the request (a bad escape), and since its access line is
  // written, decoding the rest could turn a code's own characters into bytes (`0Z9P%1BB1%…`: "%1B" is ESC) and
  // keep 14 of its 16 in the line. The text as sent, where "%" groups a code as other punctuation does.
  if (raw.includes('%') && /%(?![0-9a-f]{2})/i.test(raw)) return hide(raw);
  const decoded = percentDecode(raw);
  if (/^[\x20-\x7e]*$/.test(decoded)) return hide(decoded);
  // A code typed with a full-width keyboard (７Ｋ３Ｍ…, an East Asian input method) arrives as UTF-8 escapes, and
  // hides in them as letters no code has: their compatibility form (NFKC, of the UTF-8 those bytes spell) is
  // the code, as parseCode reads it. So is any other form NFKC makes ASCII (𝟕𝐊𝟑𝐌 in "bold" from a styled post,
  // circled ⓀⓂ, ³). Text holding such letters or digits is logged with them in that form.
  const text = /[\u0100-\uffff]/.test(decoded) ? decoded : Buffer.from(decoded, 'latin1').toString('utf8');
  let plain = false;
  const compatible = [...text]
    .map((char) => {
      const form = char.normalize('NFKC');
      if (form === char || !/^[0-9A-Za-z]+$/.test(form)) return char;
      plain = true;
      return form;
    })
    .join('');
  return hide(plain ? compatible : decoded);
}

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const safePath = hideCodesIn(path);
  if (!query) return safePath + (q === -1 ? '' : '?');
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? '[redacted]' : `${hideCodesIn(pair.slice(0, eq).replace(/\+/g, ' '))}=[redacted]`;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}

/**
 * A client address safe to log or to keep as a rate-limit key: an IP address as it is; anything else (with
 * TRUST_PROXY a hop count, the right-most X-Forwarded-For entry is whatever the peer wrote: any text, a code
 * included) with its codes hidden as in a URL's path.
 */
export function redactAddress(address: string): string {
  return isIP(address) !== 0 ? address : hideCodesIn(address);
}
