import { encode as qpEncode, wrap as qpWrap } from 'nodemailer/lib/qp';
import type { CompiledInvite, InvitePlaceholder } from './compile-invite-template.js';
import { inviteTemplateParts } from './compile-invite-template.js';
import type { EmlOptions } from './build-eml.js';
import { assertHeaderValue } from './header-value.js';
import { htmlBase64Encoder } from './html-base64-part.js';
import { inviteEmlSkeleton } from './invite-eml-skeleton.js';
import { fillTemplate } from './parse-template.js';
import { textQpEncoder } from './text-qp-part.js';
import { mailboxHeaderLine, plainHeaderLine, rfc5322Date } from './mailbox-header.js';
import { checkRecipient } from './recipient.js';
import type { InviteRecipient } from './recipient.js';
import type { EmailSettings } from './settings.js';

/** The header a dispatcher reads to match an .eml file to its invite row (the id, never the code). */
export const INVITE_ID_HEADER = 'X-Veza-Invite-Id';

/** List-Unsubscribe (RFC 2369) and, for an https target, one-click List-Unsubscribe-Post (RFC 8058). */
export function listUnsubscribeHeaders(settings: EmailSettings, unsubscribeUrl: string): Record<string, string> {
  if (settings.unsubscribe.url) {
    const mailto = settings.unsubscribe.mailto;
    const list = mailto ? `<${unsubscribeUrl}>, <mailto:${mailto}>` : `<${unsubscribeUrl}>`;
    // RFC 8058 one-click needs https: an http target gets the plain header only
    return settings.unsubscribe.url.startsWith('https:')
      ? { 'List-Unsubscribe': list, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' }
      : { 'List-Unsubscribe': list };
  }
  return { 'List-Unsubscribe': `<${unsubscribeUrl}>` };
}

/** base64 in lines of 76 characters (RFC 2045), for a CompiledInvite made elsewhere than compileInviteTemplate. */
function base64Lines(text: string, newline: string): Buffer {
  const encoded = Buffer.from(Buffer.from(text, 'utf8').toString('base64'), 'latin1');
  const breaks = Math.max(0, Math.ceil(encoded.length / 76) - 1);
  const out = Buffer.allocUnsafe(encoded.length + breaks * newline.length);
  let at = 0;
  for (let i = 0; i < encoded.length; i += 76) {
    if (i > 0) at += out.write(newline, at, 'latin1');
    at += encoded.copy(out, at, i, Math.min(i + 76, encoded.length));
  }
  return out;
}

/**
 * One recipient's complete invitation .eml, ready for `sendmail -t`. The
 * batch-wide MIME structure is built once by MailComposer (see
 * invite-eml-skeleton.ts); per recipient only To, Date, Message-ID,
 * List-Unsubscribe and X-Veza-Invite-Id are encoded and the bodies spliced in.
 * For a template from compileInviteTemplate the HTML part is written as
 * base64 straight from the parsed template (html-base64-part.ts), the same
 * bytes as encoding the filled HTML.
 */
export async function buildInviteEml(compiled: CompiledInvite, recipient: InviteRecipient, options: EmlOptions = {}): Promise<Buffer> {
  const newline = options.newline === 'crlf' ? '\r\n' : '\n';
  const skeleton = await inviteEmlSkeleton(compiled.settings, newline);
  const checked = checkRecipient(recipient);
  const parts = inviteTemplateParts(compiled);
  let values: Record<InvitePlaceholder, string>;
  let textBody: string | undefined;
  let htmlBody: string | undefined;
  if (parts) {
    values = parts.values(checked);
  } else {
    const rendered = compiled.renderChecked(checked);
    values = rendered.values;
    textBody = rendered.text;
    htmlBody = rendered.html;
  }
  const date = options.date ?? new Date();
  const domain = assertHeaderValue(
    'messageIdDomain',
    options.messageIdDomain ?? compiled.settings.from.address.split('@')[1] ?? 'localhost',
  );
  const local = assertHeaderValue('messageIdLocal', options.messageIdLocal ?? `invite-${checked.inviteId}.${date.getTime().toString(36)}`);

  let head = mailboxHeaderLine('To', checked.name ? { name: checked.name, address: checked.email } : { address: checked.email }, newline);
  head += plainHeaderLine('Date', rfc5322Date(date), newline);
  head += plainHeaderLine('Message-ID', `<${local}@${domain}>`, newline);
  for (const [key, value] of Object.entries(listUnsubscribeHeaders(compiled.settings, values.unsubscribe_url))) {
    head += plainHeaderLine(key, assertHeaderValue(key, value), newline);
  }
  head += plainHeaderLine(INVITE_ID_HEADER, checked.inviteId, newline);

  // The text's literals are encoded once per batch (text-qp-part.ts) unless a value is unusual.
  let encodedText = parts ? textQpEncoder(parts.text, newline).encode(values) : undefined;
  if (encodedText === undefined) {
    const body = textBody ?? (parts ? fillTemplate(parts.text, values) : '');
    encodedText = qpEncode(newline === '\r\n' ? body.replace(/\r?\n/g, '\r\n') : body);
  }
  const wrapped = qpWrap(encodedText, 76);
  const text = newline === '\n' ? wrapped.replace(/\r\n/g, '\n') : wrapped;
  // Quoted-printable keeps letters and dashes literal: a value carrying the boundary would end the part.
  if (text.includes(skeleton.boundary)) throw new Error('the text part contains the MIME boundary');
  const before = head + skeleton.headers + skeleton.beforeText + text + skeleton.betweenParts;
  // Every byte is ASCII by now (encoded words, quoted-printable, base64), so latin1 copies without a
  // UTF-8 pass; only an internationalised address (SMTPUTF8) can leave UTF-8 in the To line.
  // eslint-disable-next-line no-control-regex
  const encoding = /^[\u0000-\u007f]*$/.test(head) ? 'latin1' : 'utf8';
  if (!parts) {
    return Buffer.concat([Buffer.from(before, encoding), base64Lines(htmlBody ?? '', newline), Buffer.from(skeleton.afterHtml, 'latin1')]);
  }
  // The HTML part goes straight from the parsed template to base64 lines in one buffer (html-base64-part.ts).
  const html = htmlBase64Encoder(parts.html, newline);
  const slots = html.slotValues(values);
  const size = before.length * (encoding === 'latin1' ? 1 : 3) + html.maxLength(slots) + skeleton.afterHtml.length;
  if (scratch.length < size) scratch = Buffer.allocUnsafeSlow(size + 16 * 1024);
  let at = scratch.write(before, 0, encoding);
  at = html.write(slots, scratch, at);
  at += scratch.write(skeleton.afterHtml, at, 'latin1');
  const eml = Buffer.allocUnsafe(at);
  scratch.copy(eml, 0, 0, at);
  return eml;
}

/** Where each message is assembled before it is copied out at its exact size; only used synchronously. */
let scratch = Buffer.allocUnsafeSlow(64 * 1024);
