/**
 * Finding invite codes in text that is about to be logged or stored: anything
 * that could be a code (or a good part of one) in any spelling a person or a
 * program might produce — any case, grouped by hyphens, spaces or any
 * non-ASCII character, I/L/O for 1/0 — is replaced by `[redacted]`.
 */

/**
 * A character a typed code may contain: Crockford base32 plus the I, L, O
 * variants, any case — every ASCII letter but U, and the digits.
 */
function isCodeChar(c: number): boolean {
  if (c >= 48 && c <= 57) return true; // 0-9
  const upper = c & ~32; // a-z → A-Z
  return upper >= 65 && upper <= 90 && upper !== 85 && (c <= 90 || c >= 97); // A-Z but U
}

/**
 * What may group a code: a hyphen, ASCII whitespace, or any non-ASCII
 * character. Every Unicode space is non-ASCII, and so is each byte of one
 * that was percent-decoded byte by byte (`%C2%A0` → `Â` + NBSP).
 */
function isSeparator(c: number): boolean {
  return c === 45 || c === 32 || (c >= 9 && c <= 13) || c > 127;
}

const isHyphen = (c: number) => c === 45;

/**
 * A separator, or ASCII punctuation that is not one of a URL's own
 * delimiters (`/ ? & = #`): `.`, `_`, `,`, `:`, `;`, `+`, `~`, `!`, `*`, `%`,
 * quotes, brackets… A code mangled or typed with them is no code to
 * parseCode, but it is still the code. `%` too: in the decoded text the API
 * logs, one left is no escape (`7K3M%Q9ZD%…`, `%zz`: the router refuses the
 * request, and its access line carried the code whole).
 */
function isLooseSeparator(c: number): boolean {
  if (isSeparator(c)) return true;
  if (c < 33 || c > 126 || isCodeChar(c) || (c & ~32) === 85) return false; // letters and digits (U too) are no punctuation
  return c !== 47 && c !== 63 && c !== 38 && c !== 61 && c !== 35;
}

/**
 * Each ASCII character's classes as bits, from the predicates above (any
 * non-ASCII character is a separator of both kinds): hideCodes tests a bit
 * per character instead of calling one of three predicates through a
 * variable: about 40% less time on a URL (it runs twice on every logged
 * request of the API).
 */
const CODE_CHAR = 1;
const HYPHEN = 2;
const SEPARATOR = 4;
const LOOSE_SEPARATOR = 8;
const ASCII_CLASSES = Uint8Array.from(
  { length: 128 },
  (_, c) =>
    (isCodeChar(c) ? CODE_CHAR : 0) |
    (isHyphen(c) ? HYPHEN : 0) |
    (isSeparator(c) ? SEPARATOR : 0) |
    (isLooseSeparator(c) ? LOOSE_SEPARATOR : 0),
);
const NON_ASCII_CLASSES = SEPARATOR | LOOSE_SEPARATOR;

function classesOf(c: number): number {
  return c < 128 ? ASCII_CLASSES[c]! : NON_ASCII_CLASSES;
}

export interface HideCodesOptions {
  /** the fewest code characters a hidden run has (8: half a code) */
  minChars?: number;
  /**
   * the most (no limit by default): in free text, a run much longer than a
   * code is something else (a UUID, a relay's message id) that an operator
   * needs to keep
   */
  maxChars?: number;
  /**
   * whether whitespace and non-ASCII characters group a code, as hyphens do
   * (true). In free text (a mail server's answer) they also join ordinary
   * words into long runs: there, false, and codes are found as they are
   * written in an email (`XXXX-XXXX-XXXX-XXXX`) or ungrouped.
   */
  spaces?: boolean;
  /**
   * whether ASCII punctuation other than a URL's delimiters (`/ ? & = #`)
   * groups a code too (false): `W9QB.VC03.SW6R.YD7T`, `w9qb_vc03_…`. Used with
   * `minChars: 16` (a whole code), since it also joins file names
   * (`favicon.ico`); ignored when `spaces` is false.
   */
  punctuation?: boolean;
}

/**
 * Replaces each run of code characters (possibly grouped by separators, not
 * ending on one) of `minChars` code characters or more by `[redacted]`. One
 * pass, no regex: it runs on every logged request of the API. `minChars` 8
 * hides half a code (40 bits, already too much to leave in a log) where codes
 * are expected, such as a URL path; `{ minChars: 16, spaces: false }` (a whole
 * code) suits free text such as a mail server's answer, where shorter runs
 * are ordinary words and ids.
 */
export function hideCodes(text: string, options: HideCodesOptions = {}): string {
  const minChars = options.minChars ?? 8;
  const maxChars = options.maxChars ?? Infinity;
  const separator = options.spaces === false ? HYPHEN : options.punctuation ? LOOSE_SEPARATOR : SEPARATOR;
  let out = '';
  let copied = 0;
  const n = text.length;
  let i = 0;
  while (i < n) {
    if ((classesOf(text.charCodeAt(i)) & CODE_CHAR) === 0) {
      i++;
      continue;
    }
    const start = i;
    let count = 1;
    let end = i + 1; // after the run's last code character
    for (;;) {
      let k = end;
      while (k < n && (classesOf(text.charCodeAt(k)) & separator) !== 0) k++;
      if (k < n && (classesOf(text.charCodeAt(k)) & CODE_CHAR) !== 0) {
        count++;
        end = k + 1;
      } else break;
    }
    if (count >= minChars && count <= maxChars) {
      out += text.slice(copied, start) + '[redacted]';
      copied = end;
    }
    i = end;
  }
  return copied === 0 ? text : out + text.slice(copied);
}

/**
 * What may stand between two characters of a known code in a mailer's echo
 * of the message: a hyphen, whitespace (a line folded by the mailer or the
 * relay), `=` (a quoted-printable soft break) or any non-ASCII character.
 */
function isEchoSeparator(c: number): boolean {
  return isSeparator(c) || c === 61;
}

/** Whether the text has a `%XX` escape (two hex digits) at `i`: a percent-encoded separator. */
function isPercentEscape(text: string, i: number): boolean {
  return text.charCodeAt(i) === 37 && /^[0-9A-Fa-f]{2}$/.test(text.slice(i + 1, i + 3));
}

/** The most other characters (quoting, `> ` of a quoted fold, `.` or `_` regrouping) that may sit between two of a known code's. */
const MAX_FILLER = 4;

/**
 * Replaces every occurrence of the given codes (the invite code of the message
 * just sent) by `[redacted]`, however the echo cut or grouped it: a mailer or a
 * relay quoting the message can fold a line inside the code (`> ` before the
 * rest), regroup it with spaces, dots or underscores, percent-encode its
 * hyphens, or glue the next word to it, which the shape-based `hideCodes`
 * cannot tell from ordinary text. The code's 16 characters must come in order
 * with at most a few other characters between two of them (separators and
 * `%XX` escapes do not count); case is ignored. The code is known and long, so
 * ordinary text does not match it by chance.
 */
export function hideKnownCodes(text: string, codes: readonly string[]): string {
  const wanted = [...new Set(codes.map((c) => c.toUpperCase().replace(/[^0-9A-Z]/g, '')).filter((c) => c.length >= 8))];
  if (wanted.length === 0) return text;
  // the code characters of the text, upper case, each with its index; a long run of other characters breaks the stream
  let stream = '';
  const at: number[] = [];
  let filler = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (isPercentEscape(text, i)) {
      i += 2;
    } else if (isCodeChar(c)) {
      stream += text[i]!.toUpperCase();
      at.push(i);
      filler = 0;
    } else if (!isEchoSeparator(c) && ++filler === MAX_FILLER + 1) {
      stream += '|';
      at.push(i);
    }
  }
  const spans: [number, number][] = [];
  for (const code of wanted)
    for (let k = stream.indexOf(code); k !== -1; k = stream.indexOf(code, k + 1)) spans.push([at[k]!, at[k + code.length - 1]! + 1]);
  if (spans.length === 0) return text;
  spans.sort((a, b) => a[0] - b[0]);
  let out = '';
  let copied = 0;
  for (const [from, to] of spans) {
    if (to <= copied) continue;
    out += text.slice(copied, Math.max(copied, from)) + (from >= copied ? '[redacted]' : '');
    copied = to;
  }
  return out + text.slice(copied);
}
