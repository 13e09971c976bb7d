import { codePointLabel } from './control-chars.js';

// Windows-1252's characters for the bytes 0x80–0x9F (its five unassigned bytes
// map to the C1 control of the same number, as WHATWG decodes them); the bytes
// 0xA0–0xFF are U+00A0–U+00FF there, as in Latin-1.
const CP1252_80_9F = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/** The byte Windows-1252 writes for this character, or -1. */
function cp1252Byte(code: number): number {
  if (code < 0x80 || (code >= 0xa0 && code <= 0xff)) return code;
  const at = CP1252_80_9F.indexOf(String.fromCharCode(code));
  return at === -1 ? -1 : 0x80 + at;
}

const isContinuation = (byte: number) => byte >= 0x80 && byte <= 0xbf;

// The two-byte leads of the letters a list of names holds: Latin-1 and Latin Extended-A (Â Ã Ä Å: é, ç, Œ, ł,
// š), Greek and Cyrillic (Î Ï Ð Ñ), Hebrew (×) and the second half of Arabic (Ù: ل م ن ه و ي, in nearly every
// Arabic name). Others are left out: "É" or "Í" before an en dash, a no-break space, "»" or "Š" (JOSÉ–MARÍA,
// RENÉ DUPONT, VÍŠEK in capitals), or "Ø" before "»" (Øyvind «Ø»), are valid UTF-8 too.
const isNameLead = (byte: number) => (byte >= 0xc2 && byte <= 0xc5) || (byte >= 0xce && byte <= 0xd1) || byte === 0xd7 || byte === 0xd9;

/**
 * The length of the UTF-8 encoding of one character read as Windows-1252 that
 * starts at `i` ("Ã©" for "é", "â€™" for "’"), or 0. Overlong forms and
 * surrogates do not count: only what a UTF-8 encoder writes; and with
 * `nameLeads`, of the two-byte ones, only the letters of names.
 */
function sequenceAt(text: string, i: number, nameLeads: boolean): number {
  const lead = cp1252Byte(text.charCodeAt(i));
  if (lead < 0xc2 || lead > 0xf4 || (nameLeads && lead < 0xe0 && !isNameLead(lead))) return 0;
  const length = lead < 0xe0 ? 2 : lead < 0xf0 ? 3 : 4;
  const bytes = [lead];
  for (let k = 1; k < length; k++) bytes.push(cp1252Byte(text.charCodeAt(i + k)));
  if (!bytes.slice(1).every(isContinuation)) return 0;
  const second = bytes[1]!;
  if (
    (lead === 0xe0 && second < 0xa0) ||
    (lead === 0xed && second > 0x9f) ||
    (lead === 0xf0 && second < 0x90) ||
    (lead === 0xf4 && second > 0x8f)
  )
    return 0;
  return length;
}

/** The first such run of the letters of names, with the character it stood for, or null. */
function mojibake(text: string): { seen: string; meant: string } | null {
  for (let i = 0; i < text.length; i++) {
    const length = sequenceAt(text, i, true);
    if (length === 0) continue;
    const seen = text.slice(i, i + length);
    // the code point those bytes encode: the lead's low bits, then 6 bits from each continuation byte
    const bytes = [...seen].map((c) => cp1252Byte(c.charCodeAt(0)));
    const point = bytes.slice(1).reduce((value, byte) => (value << 6) | (byte & 0x3f), bytes[0]! & (0x7f >> length));
    return { seen, meant: String.fromCodePoint(point) };
  }
  return null;
}

/**
 * Whether the text holds a non-ASCII letter that no such run explains (the
 * first "Ä" of "MÄKELÄ", followed by "K"): text that went through the wrong
 * encoding holds none, since each of its non-ASCII characters is one byte of
 * a UTF-8 sequence (or "Ã" + space, "à" whose no-break space became a plain
 * one). Then a pair such as "Ä" + no-break space ("MÄKELÄ Anna",
 * "«MÄKELÄ»") is a capital before a space or a guillemet, not "Ġ" or "Ļ".
 */
function hasLoneLetter(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) < 0x80) continue;
    const length = sequenceAt(text, i, false);
    if (length > 0) i += length - 1;
    // "Ã" + a space is "à" whose no-break space became a plain one (a paste from a web page): not lone
    else if (/\p{L}/u.test(text[i]!) && text[i + 1] !== ' ') return true;
  }
  return false;
}

/** A surrogate not part of a pair: with the u flag, a whole pair is one code point of another category. */
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Why a text (a name, a subject) is refused as damaged by a wrong character
 * encoding, or null: it holds U+FFFD, which stands for bytes that could not be
 * read (a file saved as Windows-1252 or Latin-1, read as UTF-8), or UTF-8 read
 * as Windows-1252 ("FranÃ§ois": a CSV UTF-8 file opened in Excel, which took
 * it for its own encoding, and saved again). Either would reach the recipient
 * as it is. No real name holds such a pair.
 */
export function garbledTextProblem(text: string): string | null {
  // Half a character: a string from JSON ("\ud83d") or cut between the two halves of an emoji. The database
  // refused its row with an opaque "invalid input syntax for type json", and a mail carried it as U+FFFD.
  const half = LONE_SURROGATE.exec(text);
  if (half)
    return `contains ${codePointLabel(half[0])}, half of a character (a lone UTF-16 surrogate: text cut between the two halves of an emoji or another character): write the character again whole`;
  if (text.includes('\ufffd'))
    return 'contains U+FFFD "\ufffd", which stands for a character lost in a conversion (a file saved as Windows-1252 or Latin-1, read as UTF-8): write it again in a file saved as UTF-8';
  const found = mojibake(text);
  if (!found || hasLoneLetter(text)) return null;
  return `looks garbled: "${found.seen}" is how "${found.meant}" reads once UTF-8 text was taken for Windows-1252 (a CSV UTF-8 file opened in Excel and saved again): fix it at its source, or export the file again as "CSV UTF-8"`;
}
