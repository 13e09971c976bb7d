/**
 * A request URL safe to log, whatever the shape of its path. Anything that
 * could be an invite code (or a good part of one) in any spelling parseCode
 * accepts — any case, grouped by hyphens or spaces or not, I/L/O for 1/0,
 * percent-encoded or not — is replaced by [redacted], wherever it is: a path
 * segment (`//v1/invites/CODE`, `/CODE`, `/x/../v1/invites/CODE`), a query key.
 * Every query value is hidden too (`/signup?invite=CODE`).
 */

/**
 * Runs with this many code characters or more are hidden: half a code (40 bits)
 * is already too much to leave in a log. No route word is this long ("invites" is 7).
 */
const MIN_HIDDEN = 8;

/**
 * A character a typed code may contain: Crockford base32 plus the I, L, O
 * variants, any case — every ASCII letter but U, and the digits.
 */
function isCodeChar(c: number): boolean {
  if (c >= 48 && c <= 57) return true; // 0-9
  const upper = c & ~32; // a-z → A-Z
  return upper >= 65 && upper <= 90 && upper !== 85 && (c <= 90 || c >= 97); // A-Z but U
}

const NON_ASCII_SPACE = /\s/;

/** What may group a code: a hyphen or any whitespace (JavaScript's \s). */
function isSeparator(text: string, i: number): boolean {
  const c = text.charCodeAt(i);
  if (c === 45 || c === 32 || (c >= 9 && c <= 13)) return true;
  return c > 127 && NON_ASCII_SPACE.test(text[i]!);
}

/** Undoes percent-encoding, several layers deep, one byte per escape (a code is ASCII). */
function percentDecode(text: string): string {
  let out = text;
  for (let pass = 0; pass < 4 && out.includes('%') && /%[0-9a-f]{2}/i.test(out); pass++) {
    out = out.replace(/%([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return out;
}

/**
 * Replaces each run of code characters (possibly grouped by hyphens or
 * whitespace, not ending on one) of MIN_HIDDEN characters or more by
 * [redacted]. One pass, no regex: it runs on every logged request.
 */
function hideCodes(raw: string): string {
  const text = percentDecode(raw);
  let out = '';
  let copied = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if (!isCodeChar(text.charCodeAt(i))) {
      i++;
      continue;
    }
    const start = i;
    let count = 1;
    let end = i + 1; // after the run's last code character
    for (;;) {
      let k = end;
      while (k < n && isSeparator(text, k)) k++;
      if (k < n && isCodeChar(text.charCodeAt(k))) {
        count++;
        end = k + 1;
      } else break;
    }
    if (count >= MIN_HIDDEN) {
      out += text.slice(copied, start) + '[redacted]';
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  const query = q === -1 ? '' : url.slice(q + 1);
  const safePath = hideCodes(path);
  if (!query) return safePath + (q === -1 ? '' : '?');
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      return eq === -1 ? '[redacted]' : `${hideCodes(pair.slice(0, eq).replace(/\+/g, ' '))}=[redacted]`;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}
