// C0 and C1 controls, DEL, the Unicode line and paragraph separators (U+0085,
// NEL, is C1): any of them in a field can end up in a mail header (header
// injection: some mail libraries read them as line breaks) or break a log
// line or a terminal. And the invisible formatting characters that disguise
// text: bidi embeddings, overrides and isolates (U+202A–U+202E,
// U+2066–U+2069: "gro.elpmaxe@" shown as an address), zero-width space,
// word joiner and a BOM inside the text. Zero-width joiners (U+200C, U+200D)
// stay: emoji sequences and several scripts need them.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200b\u2060\ufeff]/;

const ALL_CONTROL_CHARS = new RegExp(CONTROL_CHARS.source, 'g');

/** A character's code point as a person reads it: `U+00A0`. */
export function codePointLabel(ch: string): string {
  return `U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/**
 * The text with each character CONTROL_CHARS lists shown as `\uXXXX`: for
 * text quoted from a file or a database into a terminal or a log, where an
 * escape sequence could clear the screen, retitle the window or hide text.
 */
export function showControlChars(text: string): string {
  return text.replace(ALL_CONTROL_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The first control character of a value, described for a person ("a line break", "U+0007"), or null. */
export function controlCharProblem(value: string): string | null {
  const match = CONTROL_CHARS.exec(value);
  if (!match) return null;
  const ch = match[0];
  const code = ch.charCodeAt(0);
  const hex = codePointLabel(ch);
  if (ch === '\n' || ch === '\r') return 'contains a line break';
  if (code >= 0x200b && code !== 0x2028 && code !== 0x2029)
    return `contains the invisible formatting character ${hex}, which can disguise the text around it`;
  return `contains the control character ${hex}`;
}
