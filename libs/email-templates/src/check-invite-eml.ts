import { INVITE_ID_HEADER } from './build-invite-eml.js';
import { rfc5322Date } from './mailbox-header.js';

/**
 * The header block's end: where the first empty line's line break starts
 * (`\r\n\r\n` or `\n\n`, whichever comes first), or -1. Line by line: a
 * search for `\r\n\r\n` read the whole 16 KB of a file with LF line breaks
 * (a prepared one), twice per email sent (here and in withSendDate).
 */
function headerEnd(eml: Buffer): number {
  for (let nl = eml.indexOf(0x0a); nl !== -1; nl = eml.indexOf(0x0a, nl + 1)) {
    if (eml[nl + 1] === 0x0a) return nl;
    if (eml[nl - 1] === 0x0d && eml[nl + 1] === 0x0d && eml[nl + 2] === 0x0a) return nl - 1;
  }
  return -1;
}

/** Where the line of a header starts in the block [0, end) (that name, that case, at a line's start), or -1. */
function headerLine(eml: Buffer, name: string, end: number): number {
  const at = eml.subarray(0, name.length + 1).toString('latin1') === `${name}:` ? 0 : eml.indexOf(`\n${name}:`) + 1 || -1;
  return at >= end ? -1 : at;
}

/**
 * The value of a header in the block [0, end), as buildInviteEml writes it
 * (that name, that case), unfolded (continuation lines start with a space or
 * a tab: `Content-Type: multipart/alternative;\n boundary="…"`), or null.
 */
function headerValue(eml: Buffer, name: string, end: number): string | null {
  const at = headerLine(eml, name, end);
  if (at === -1) return null;
  const start = at + name.length + 1;
  let stop = eml.indexOf('\n', start);
  while (stop !== -1 && stop < end && (eml[stop + 1] === 0x20 || eml[stop + 1] === 0x09)) stop = eml.indexOf('\n', stop + 1);
  if (stop === -1 || stop > end) stop = end;
  return eml
    .toString('latin1', start, stop)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** The closing boundary is in the last bytes of a whole message (one line after the last part). */
const TAIL_BYTES = 512;

/**
 * Why an invitation .eml read back from the disk must not be sent for
 * `inviteId`, or null when it may: it has a header block, its
 * X-Veza-Invite-Id is that invite's (a file copied over another one would send
 * one person's code to another, or twice to the same), and, for a multipart
 * message, it ends with its closing boundary (a file cut short by a full disk
 * or a partial copy would go out truncated). It reads the header block and
 * the last bytes only: about a microsecond a message.
 */
export function inviteEmlProblem(eml: Buffer, inviteId: string): string | null {
  const end = headerEnd(eml);
  if (end === -1) return 'it has no header block (not an .eml)';
  const id = headerValue(eml, INVITE_ID_HEADER, end);
  if (id === null) return `it has no ${INVITE_ID_HEADER} header`;
  if (id.toLowerCase() !== inviteId.toLowerCase()) return `it is the .eml of another invite (${INVITE_ID_HEADER} ${id.slice(0, 40)})`;
  const type = headerValue(eml, 'Content-Type', end);
  const boundary = type?.startsWith('multipart/') ? /boundary="?([^";]+)"?/.exec(type)?.[1] : undefined;
  if (boundary !== undefined && eml.indexOf(`--${boundary}--`, Math.max(0, eml.length - TAIL_BYTES)) === -1)
    return 'it is cut short (its closing MIME boundary is missing)';
  return null;
}

/** Whether the file has an invitation link at all (`invite=3D`, as the template writes it). */
export function hasInviteLink(eml: Buffer): boolean {
  return eml.indexOf('invite=3D') !== -1;
}

/**
 * The .eml with its Date header set to `date` (the moment it is sent): one
 * prepared days before would land dated then, below the fold of the inbox.
 * The file is returned as it is when it has no Date header in its header block.
 * With `inPlace`, for a buffer the caller owns and reads no more (a file just
 * read to be sent), the usual line of the same width is written into `eml`
 * itself: no copy of the file (4 µs and 16 KB of garbage per email).
 */
export function withSendDate(eml: Buffer, date: Date, options: { inPlace?: boolean } = {}): Buffer {
  const end = headerEnd(eml);
  if (end === -1) return eml;
  const at = headerLine(eml, 'Date', end);
  if (at === -1) return eml;
  let stop = eml.indexOf('\n', at);
  if (stop === -1) return eml;
  if (eml[stop - 1] === 0x0d) stop--;
  const line = `Date: ${rfc5322Date(date)}`;
  if (stop - at === line.length) {
    // the usual case (the date has a fixed width): the file, or one copy of it, changed in place
    const copy = options.inPlace ? eml : Buffer.from(eml);
    copy.write(line, at, 'latin1');
    return copy;
  }
  return Buffer.concat([eml.subarray(0, at), Buffer.from(line, 'latin1'), eml.subarray(stop)]);
}
