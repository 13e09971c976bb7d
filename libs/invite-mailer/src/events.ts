/** What happened to one email, as it happens: the caller draws a progress bar or writes a log from these. */
export interface MailEvent {
  type: 'sent' | 'failed' | 'expired' | 'unknown' | 'skipped';
  /** the invite id (dispatch) or the outbox row id (welcome) */
  id: string;
  email: string;
  /** the transport's one-line answer, or why the email was not sent; never a code or a password */
  detail: string;
  /**
   * the dispatcher that claimed the email and tried it (its worker id, as in
   * beta_invites.send_claimed_by): set on the `sent`, `failed` and `unknown`
   * outcomes of a send this dispatch made, so that a log line can be tied to its claim
   */
  claimedBy?: string;
  /** emails with an outcome so far, of `total` */
  done: number;
  total: number;
}

export type MailEventListener = (event: MailEvent) => void;
