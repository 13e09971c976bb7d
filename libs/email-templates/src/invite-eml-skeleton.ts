import { randomBytes } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import type { EmailSettings } from './settings.js';

/**
 * The parts of an invitation .eml that are the same for the whole batch,
 * built once by nodemailer's MailComposer: From, Reply-To, the RFC 2047
 * Subject, MIME-Version, the multipart/alternative structure with its
 * boundary and each part's headers. Recipient headers and the two encoded
 * bodies are spliced in per message.
 */
export interface EmlSkeleton {
  newline: '\n' | '\r\n';
  /** Root headers, each line ending with `newline`, without the blank line. */
  headers: string;
  /** From the blank line after the headers to the text body. */
  beforeText: string;
  /** Between the text body and the HTML body (boundary and HTML part headers). */
  betweenParts: string;
  /** After the HTML body: closing boundary. */
  afterHtml: string;
  /** The multipart boundary; a body containing it would break the message. */
  boundary: string;
}

const cache = new WeakMap<EmailSettings, Map<string, Promise<EmlSkeleton>>>();

function cut(source: string, marker: string): [string, string] {
  const at = source.indexOf(marker);
  // The markers are random and ASCII: MailComposer writes them once, verbatim, or this code is wrong.
  if (at < 0 || source.indexOf(marker, at + 1) >= 0) throw new Error(`eml skeleton: marker not found exactly once`);
  return [source.slice(0, at), source.slice(at + marker.length)];
}

async function buildSkeleton(settings: EmailSettings, newline: '\n' | '\r\n'): Promise<EmlSkeleton> {
  const nonce = randomBytes(9).toString('hex');
  // Text marker: letters and digits pass quoted-printable unchanged. HTML marker: 30 characters
  // (a multiple of 3), so its base64 form is a fixed string we can find.
  const textMarker = `VEZATEXT${nonce}`;
  const htmlMarker = `VEZAHTML${nonce}----`;
  const built = await new MailComposer({
    from: { name: settings.from.name ?? '', address: settings.from.address },
    replyTo: { name: settings.replyTo.name ?? '', address: settings.replyTo.address },
    subject: settings.subject,
    text: { content: textMarker, contentTransferEncoding: 'quoted-printable' },
    // base64 for the HTML: Node encodes it natively, and no content can collide with the boundary.
    html: { content: htmlMarker, contentTransferEncoding: 'base64' },
    newline: newline === '\n' ? 'linux' : 'win',
    xMailer: false,
  })
    .compile()
    .build();
  const source = built.toString('latin1');
  const blank = source.indexOf(newline + newline);
  const rootHeaders = source.slice(0, blank + newline.length);
  // MailComposer always writes Date and Message-ID: drop them, they are per recipient.
  const headers = rootHeaders
    .split(newline)
    .filter((line, i, lines) => !isHeaderLine(lines, i, ['date', 'message-id']))
    .join(newline);
  const [beforeText, rest] = cut(source.slice(blank + newline.length), textMarker);
  const [betweenParts, afterHtml] = cut(rest, Buffer.from(htmlMarker).toString('base64'));
  const boundary = /boundary="([^"]+)"/.exec(headers)?.[1];
  if (!boundary) throw new Error('eml skeleton: no multipart boundary');
  return { newline, headers, beforeText, betweenParts, afterHtml, boundary };
}

/** True when line i belongs to one of the named headers (its first line or a folded continuation). */
function isHeaderLine(lines: string[], i: number, names: string[]): boolean {
  let start = i;
  while (start > 0 && /^[ \t]/.test(lines[start] ?? '')) start--;
  const name = (lines[start] ?? '').split(':')[0]?.toLowerCase() ?? '';
  return names.includes(name);
}

/** The skeleton for a batch's settings, built on first use and then reused. */
export function inviteEmlSkeleton(settings: EmailSettings, newline: '\n' | '\r\n'): Promise<EmlSkeleton> {
  let byNewline = cache.get(settings);
  if (!byNewline) cache.set(settings, (byNewline = new Map<string, Promise<EmlSkeleton>>()));
  let skeleton = byNewline.get(newline);
  if (!skeleton) byNewline.set(newline, (skeleton = buildSkeleton(settings, newline)));
  return skeleton;
}
