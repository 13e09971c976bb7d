/** An RFC 2047 encoded word's start (`=?UTF-8?B?`, `=?utf-8?q?`). */
const ENCODED_WORD = /=\?[^?\s]*\?[bq]\?/i;

/**
 * Why text bound for a mail header (a display name, a subject) holds an
 * RFC 2047 encoded word, or null: mail programs decode it and show what it
 * hides ("Bcc: …") instead of the text the operator previewed.
 */
export function encodedWordProblem(text: string): string | null {
  return ENCODED_WORD.test(text) ? 'contains "=?…?B?" or "=?…?Q?", which mail programs decode as a hidden header word' : null;
}
