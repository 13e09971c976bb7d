/** Characters a POSIX shell takes literally in a word (letters of any script among them). */
const PLAIN = /^[\p{L}\p{N}_@%+=:,./-]+$/u;

/**
 * A path as one shell word, for a command the operator copies from the
 * output: as it is when the shell would take it literally, else in single
 * quotes, and in $'…' when it holds a control character (a trailing newline
 * from a script). A leading dash gets `./`: `veza-beta invites dispatch
 * -out` printed help (its `-h`) and exited 0, nothing sent; a space split
 * the folder into two arguments.
 */
export function shellWord(path: string): string {
  return quoted(path.startsWith('-') ? `./${path}` : path);
}

/**
 * An invitable address as one shell word: its local part may hold
 * ``!#$%&'*+/=?^_`{|}~-``, and pasted as printed, `a&x@…` ran `x@…`, a
 * backquote ran what it quoted, `$HOME` expanded. A leading dash gets a
 * space before it inside the quotes (yargs reads a quoted '-x@…' as options;
 * the commands trim the address).
 */
export function emailWord(email: string): string {
  return email.startsWith('-') ? `' ${email.replace(/'/g, `'\\''`)}'` : quoted(email);
}

function quoted(word: string): string {
  if (PLAIN.test(word)) return word;
  // eslint-disable-next-line no-control-regex
  const control = /[\u0000-\u001f\u007f]/g;
  if (control.test(word))
    return `$'${word.replace(/[\\']/g, (c) => `\\${c}`).replace(control, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`)}'`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
