import { hideCodes, hideKnownCodes, showControlChars } from '@veza/invite-rules';
/** What one send attempt gave. */
export interface SendResult {
  ok: boolean;
  /** worth retrying later: SMTP 4xx, connection trouble, SEND_CMD exit 75 (EX_TEMPFAIL) */
  temporary: boolean;
  /**
   * the outcome is not known: the mailer had the whole message and was then
   * killed (its deadline, a signal), so it may have sent it. Never retried and
   * never counted as sent: the claim stays, like one left by a crash (`ok` is false).
   */
  unknown?: boolean;
  /**
   * the failure is the transport's own, not this email's: its login refused, its TLS not trusted, its
   * configuration broken (SEND_CMD exit 69, 77, 78, 126, 127). Dispatch treats it as any permanent
   * failure (not retried; the next run sends it); the welcome outbox does not count it against the email.
   */
  transportFault?: boolean;
  /** one line, for a dispatch log; never a password */
  response: string;
}

export interface Envelope {
  from: string;
  to: string;
}

/** Sends one ready-made .eml. SEND_CMD and SMTP are the two shipped; tests use a fake. */
export interface Transport {
  /** safe to print: no password */
  readonly description: string;
  send(eml: Buffer, envelope: Envelope): Promise<SendResult>;
  close(): Promise<void>;
}

/**
 * One line, at most 300 characters: what a log line, the database and a
 * report hold of a mailer's answer. A mailer can echo the message it was
 * given, code included (`SEND_CMD` writing it to stderr, a server quoting a
 * line). The codes of the message itself (`known`: `inviteEmlCodes` of the
 * .eml) are hidden however the echo cut, folded or regrouped them; then
 * anything else shaped like a whole invite code, quoted-printable soft line
 * breaks joined first so that a code split by one is found too. A whole code
 * is 16 to 18 code characters (with quoted-printable's `3D` before it); a
 * longer run (a UUID, a relay's message id such as Amazon SES's) is kept for
 * the operator to trace the send. Line breaks and tabs become one space; any
 * other control character (a coloured mailer's ESC, a relay's reply) is shown
 * as `\uXXXX`: the line is printed in dispatch's summary and written to
 * dispatch.log, where an escape sequence would recolour, retitle or rewrite
 * the operator's terminal.
 */
export const oneLine = (text: string, known: readonly string[] = []): string =>
  showControlChars(
    hideCodes(hideKnownCodes(text, known).replace(/=\r?\n/g, ''), { minChars: 16, maxChars: 18, spaces: false })
      .replace(/\s+/g, ' ')
      .trim(),
  ).slice(0, 300);
