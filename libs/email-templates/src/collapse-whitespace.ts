/**
 * Where whitespace is shown as typed (a `<pre>`, a `<textarea>`, a
 * `white-space: pre…` or `break-spaces` style) or means something (a
 * `<script>`): an HTML holding any of these is left as it is.
 */
const WHITESPACE_KEPT = /<(?:pre|textarea|script)\b|white-space\s*:\s*(?:pre|break-spaces)/i;

/**
 * The compiled HTML with each run of HTML whitespace (space, tab, CR, LF, FF)
 * shortened to one character: a line break when the run holds one, else a
 * space. A browser or mail client collapses each such run to one space when it
 * lays out text (`white-space: normal`), and between tags and attributes one
 * whitespace character is as good as many, so the email looks the same: MJML
 * indents its output, and a third of the HTML part was indentation (13.3 KB
 * of HTML, 9.8 KB without it). Non-breaking spaces are not whitespace here and
 * stay. An HTML where whitespace may be shown as typed is returned unchanged.
 */
export function collapseWhitespace(html: string): string {
  if (WHITESPACE_KEPT.test(html)) return html;
  return html.replace(/[ \t\n\r\f]{2,}|[\t\r\f]/g, (run) => (run.includes('\n') || run.includes('\r') ? '\n' : ' '));
}
