import { INVITE_ID_HEADER } from './build-invite-eml.js';
import { rfc5322Date } from './mailbox-header.js';

const LF = 0x0a;
const CR = 0x0d;

/** A header's name and colon as bytes, to be compared at a line's start. */
const nameBytes = (name: string): Uint8Array => Buffer.from(`${name}:`, 'latin1');
const ID_NAME = nameBytes(INVITE_ID_HEADER);
const TYPE_NAME = nameBytes('Content-Type');
const DATE_NAME = nameBytes('Date');

/** Whether a line starting at `at` starts with `name` (those bytes, that case). */
function startsWith(eml: Buffer, at: number, name: Uint8Array): boolean {
  if (at + name.length > eml.length) return false;
  for (let i = 0; i < name.length; i++) if (eml[at + i] !== name[i]) return false;
  return true;
}

/**
 * Where the header block ends (where the first empty line's line break starts: `\r\n\r\n` or `\n\n`,
 * whichever comes first, or -1), and where the X-Veza-Invite-Id, Content-Type and Date lines start in it
 * (the first line of that name, that case; -1 when none). One walk of the block's bytes, about 700 of a
 * 16 KB invitation: a dispatch reads these for every email it sends (the checks, then the send date).
 */
function headerBlock(eml: Buffer): { end: number; id: number; type: number; date: number } {
  let id = -1;
  let type = -1;
  let date = -1;
  // `at` starts a line of the block: is it one of the three? (the line breaks are found natively: a
  // byte loop in JavaScript over the 700 bytes cost six times as much)
  for (let at = 0, nl = eml.indexOf(LF); nl !== -1; at = nl + 1, nl = eml.indexOf(LF, at)) {
    const first = eml[at];
    if (first === 0x58 /* X */ && id === -1 && startsWith(eml, at, ID_NAME)) id = at;
    else if (first === 0x43 /* C */ && type === -1 && startsWith(eml, at, TYPE_NAME)) type = at;
    else if (first === 0x44 /* D */ && date === -1 && startsWith(eml, at, DATE_NAME)) date = at;
    if (eml[nl + 1] === LF) return { end: nl, id, type, date };
    if (eml[nl - 1] === CR && eml[nl + 1] === CR && eml[nl + 2] === LF) return { end: nl - 1, id, type, date };
  }
  return { end: -1, id: -1, type: -1, date: -1 };
}

/**
 * The value of the header whose line starts at `at` in the block [0, end), as buildInviteEml writes it,
 * unfolded (continuation lines start with a space or a tab: `Content-Type: multipart/alternative;\n
 * boundary="…"`), or null when there is no such line (`at` -1).
 */
function headerValue(eml: Buffer, at: number, name: Uint8Array, end: number): string | null {
  if (at === -1) return null;
  const start = at + name.length;
  let stop = eml.indexOf(LF, start);
  while (stop !== -1 && stop < end && (eml[stop + 1] === 0x20 || eml[stop + 1] === 0x09)) stop = eml.indexOf(LF, stop + 1);
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
  const block = headerBlock(eml);
  if (block.end === -1) return 'it has no header block (not an .eml)';
  const id = headerValue(eml, block.id, ID_NAME, block.end);
  if (id === null) return `it has no ${INVITE_ID_HEADER} header`;
  if (id.toLowerCase() !== inviteId.toLowerCase()) return `it is the .eml of another invite (${INVITE_ID_HEADER} ${id.slice(0, 40)})`;
  const type = headerValue(eml, block.type, TYPE_NAME, block.end);
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
  const at = headerBlock(eml).date;
  if (at === -1) return eml;
  let stop = eml.indexOf(LF, at);
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
