import { INVITE_ID_HEADER } from './build-invite-eml.js';

/** The header block's end: the first empty line (CRLF or LF). */
function headerEnd(eml: Buffer): number {
  const crlf = eml.indexOf('\r\n\r\n');
  const lf = eml.indexOf('\n\n');
  if (crlf === -1) return lf;
  return lf === -1 ? crlf : Math.min(crlf, lf);
}

/**
 * Why an invitation .eml read back from the disk must not be sent for
 * `inviteId`, or null when it may: it has a header block, its
 * X-Veza-Invite-Id is that invite's (a file copied over another one would send
 * one person's code to another, or twice to the same), and, for a multipart
 * message, its closing boundary is there (a file cut short by a full disk or a
 * partial copy would go out truncated). A few microseconds a message.
 */
export function inviteEmlProblem(eml: Buffer, inviteId: string): string | null {
  const end = headerEnd(eml);
  if (end === -1) return 'it has no header block (not an .eml)';
  // unfolded: a header continued on the next line (RFC 5322 folding) reads as one
  const headers = eml.toString('latin1', 0, end).replace(/\r?\n[ \t]+/g, ' ');
  const id = new RegExp(`^${INVITE_ID_HEADER}:[ \\t]*(\\S*)[ \\t]*$`, 'im').exec(headers)?.[1];
  if (id === undefined) return `it has no ${INVITE_ID_HEADER} header`;
  if (id.toLowerCase() !== inviteId.toLowerCase()) return `it is the .eml of another invite (${INVITE_ID_HEADER} ${id.slice(0, 40)})`;
  const boundary = /^Content-Type:[ \t]*multipart\/[^\r\n]*boundary="?([^";\r\n]+)"?/im.exec(headers)?.[1];
  if (boundary !== undefined && eml.lastIndexOf(`--${boundary}--`) === -1) return 'it is cut short (its closing MIME boundary is missing)';
  return null;
}
