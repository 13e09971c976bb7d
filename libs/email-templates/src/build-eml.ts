import { randomUUID } from 'node:crypto';
import MailComposer from 'nodemailer/lib/mail-composer';
import { assertHeaderValue } from './header-value.js';
import type { Mailbox } from './settings.js';
import { addressProblem } from './settings.js';
import { HeaderInjectionError } from './errors.js';

/** Everything that goes into one message file. */
export interface EmlMessage {
  from: Mailbox;
  to: Mailbox;
  replyTo?: Mailbox;
  subject: string;
  text: string;
  html: string;
  /** Extra headers (List-Unsubscribe, X-Veza-Invite-Id…); values are checked like the others. */
  headers?: Record<string, string>;
}

export interface EmlOptions {
  /** Date header; now by default. */
  date?: Date;
  /** Domain of the Message-ID; the From domain by default. */
  messageIdDomain?: string;
  /** Left part of the Message-ID; a random UUID by default. */
  messageIdLocal?: string;
  /** LF suits files piped to `sendmail -t` / `msmtp -t` (they convert); CRLF is the wire format. */
  newline?: 'lf' | 'crlf';
}

const HEADER_NAME = /^[A-Za-z0-9-]+$/;

function checkMailbox(field: string, box: Mailbox): { name: string; address: string } {
  if (box.name !== undefined) assertHeaderValue(`${field} name`, box.name);
  assertHeaderValue(`${field} address`, box.address);
  if (addressProblem(box.address)) throw new HeaderInjectionError(`${field} address`);
  return { name: box.name ?? '', address: box.address };
}

/**
 * Builds a complete RFC 5322 message with nodemailer's MIME composer:
 * multipart/alternative (text, then HTML), UTF-8, RFC 2047 encoded words for
 * non-ASCII headers, folded header lines and quoted-printable/base64 bodies of
 * at most 76 characters a line. To and From are in the file, for `sendmail -t`.
 */
export async function buildEml(message: EmlMessage, options: EmlOptions = {}): Promise<Buffer> {
  const from = checkMailbox('from', message.from);
  const to = checkMailbox('to', message.to);
  const replyTo = message.replyTo ? checkMailbox('replyTo', message.replyTo) : undefined;
  const subject = assertHeaderValue('subject', message.subject);
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(message.headers ?? {})) {
    if (!HEADER_NAME.test(key)) throw new HeaderInjectionError(`header name ${JSON.stringify(key.slice(0, 40))}`);
    headers[key] = assertHeaderValue(key, value);
  }
  const domain = assertHeaderValue('messageIdDomain', options.messageIdDomain ?? from.address.split('@')[1] ?? 'localhost');
  const local = assertHeaderValue('messageIdLocal', options.messageIdLocal ?? randomUUID());
  const composer = new MailComposer({
    from,
    to,
    ...(replyTo ? { replyTo } : {}),
    subject,
    date: options.date ?? new Date(),
    messageId: `<${local}@${domain}>`,
    text: message.text,
    html: message.html,
    headers,
    newline: options.newline === 'crlf' ? 'win' : 'linux',
    // No "X-Mailer: nodemailer": it says nothing useful to the recipient.
    xMailer: false,
  });
  return composer.compile().build();
}
