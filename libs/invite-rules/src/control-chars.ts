// C0 controls, DEL, and the Unicode line and paragraph separators: any of them
// in a field can end up in a mail header (header injection) or break a log line.
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f\u2028\u2029]/;

/** The first control character of a value, described for a person ("a line break", "U+0007"), or null. */
export function controlCharProblem(value: string): string | null {
  const match = CONTROL_CHARS.exec(value);
  if (!match) return null;
  const ch = match[0];
  const what =
    ch === '\n' || ch === '\r' ? 'a line break' : `the control character U+${ch.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
  return `contains ${what}`;
}
