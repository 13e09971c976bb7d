import { errorBrand } from '@veza/invite-rules';
/**
 * The errors of @veza/invite-mailer. Each has a stable `code`; the README
 * lists every code with what it means and what to do. Messages never contain
 * an invite code or an SMTP password.
 */
/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const MAILER_ERROR_CODES = Object.freeze([
  'MAILER_SEND_CMD_NOT_FOUND',
  'MAILER_SMTP_URL_INVALID',
  'MAILER_INVALID_OPTION',
  'MAILER_TRANSPORT_BLANK',
  'MAILER_WELCOME_UNAVAILABLE',
] as const);
export type MailerErrorCode = (typeof MAILER_ERROR_CODES)[number];

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/invite-mailer');

export class MailerError extends Error {
  override name = 'MailerError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, MailerError, value);
  }

  constructor(
    readonly code: MailerErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
  }
}

/** The SEND_CMD program is not on PATH (or not executable). */
export class SendCmdNotFoundError extends MailerError {
  override name = 'SendCmdNotFoundError';
  constructor(
    readonly program: string,
    /** what is wrong with it: not on PATH (a bare name), no such file (a path), or not executable */
    readonly why: 'not on PATH' | 'no such file' | 'not executable' = 'not on PATH',
  ) {
    const what =
      why === 'not on PATH' ? 'was not found on PATH' : why === 'no such file' ? 'does not exist' : 'is not executable (chmod +x)';
    super(
      'MAILER_SEND_CMD_NOT_FOUND',
      `SEND_CMD: '${program}' ${what}; install it (e.g. msmtp), set SEND_CMD to your mailer, or set SMTP_URL`,
    );
  }
}

/** SMTP_URL cannot be used; the message shows it with its password hidden. */
export class SmtpUrlInvalidError extends MailerError {
  override name = 'SmtpUrlInvalidError';
  constructor(redactedUrl: string, cause?: unknown, why = 'not a valid SMTP URL') {
    super('MAILER_SMTP_URL_INVALID', `SMTP_URL: ${why} (${redactedUrl})`, { cause });
  }
}

/**
 * SMTP_URL or SEND_CMD is set but blank. Read as unset, it meant another
 * transport: `SMTP_URL=$RELAY_URL` with that variable missing from the shell
 * hid the relay of the .env and sent every email through `msmtp -t` (whatever
 * account this machine's msmtp uses), exit 0. Refused, as a blank DATABASE_URL is.
 */
export class BlankTransportSettingError extends MailerError {
  override name = 'BlankTransportSettingError';
  /** what is wrong and what to do, without the variable's name (the message is the name, then this) */
  readonly problem: string;
  constructor(
    readonly variable: 'SMTP_URL' | 'SEND_CMD',
    defaultSendCmd: string,
  ) {
    const problem =
      variable === 'SMTP_URL'
        ? "is set but empty (a variable unset in the shell, as in SMTP_URL=$RELAY_URL?): give the relay's URL, or unset SMTP_URL (and remove it from .env) to send through SEND_CMD"
        : `is set but empty (a variable unset in the shell, as in SEND_CMD=$MAILER?): give the command, or unset SEND_CMD (and remove it from .env) to use the default '${defaultSendCmd}'`;
    super('MAILER_TRANSPORT_BLANK', `${variable} ${problem}`);
    this.problem = problem;
  }
}

/** A send option is out of range (rate, concurrency, retries, FAIL_FAST_AFTER …). */
export class InvalidOptionError extends MailerError {
  override name = 'InvalidOptionError';
  constructor(
    readonly option: string,
    expected: string,
  ) {
    super('MAILER_INVALID_OPTION', `${option}: expected ${expected}`);
  }
}

/**
 * The welcome email cannot be built here: its renderer (React and
 * react-email, optional peers of @veza/email-templates) is not installed. A
 * setup problem, never a recipient's: the outbox stops without counting an
 * attempt against anyone.
 */
export class WelcomeUnavailableError extends MailerError {
  override name = 'WelcomeUnavailableError';
  constructor(cause: unknown) {
    const missing = /Cannot find (?:package|module) '([^']+)'/.exec(cause instanceof Error ? cause.message : String(cause))?.[1];
    super(
      'MAILER_WELCOME_UNAVAILABLE',
      `the welcome email cannot be built: ${missing ? `the package '${missing}' is not installed` : 'its renderer did not load'}; install react, react-dom and @react-email/components (optional peers of @veza/email-templates)`,
      { cause },
    );
  }
}
