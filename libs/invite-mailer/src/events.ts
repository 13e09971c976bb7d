/** What happened to one email, as it happens: the caller draws a progress bar or writes a log from these. */
export interface MailEvent {
  type: 'sent' | 'failed' | 'expired' | 'unknown' | 'skipped';
  /** the invite id (dispatch) or the outbox row id (welcome) */
  id: string;
  email: string;
  /** the transport's one-line answer, or why the email was not sent; never a code or a password */
  detail: string;
  /** emails with an outcome so far, of `total` */
  done: number;
  total: number;
}

export type MailEventListener = (event: MailEvent) => void;
