/**
 * The errors of @veza/email-templates. Each has a stable `code`; the README
 * lists every code with what it means and what to do. Messages name the field,
 * placeholder or file at fault, never an invite code.
 */
import { errorBrand, problemText } from '@veza/invite-rules';
import type { Problem } from '@veza/invite-rules';

/** Every code this lib throws, in the order of the README's error table: a caller can switch on them. */
export const EMAIL_ERROR_CODES = Object.freeze([
  'EMAIL_SETTINGS_INVALID',
  'EMAIL_TEMPLATE_NOT_FOUND',
  'EMAIL_TEMPLATE_INVALID',
  'EMAIL_PLACEHOLDER_UNKNOWN',
  'EMAIL_PLACEHOLDER_UNFILLED',
  'EMAIL_RECIPIENT_INVALID',
  'EMAIL_HEADER_INVALID',
] as const);
export type EmailErrorCode = (typeof EMAIL_ERROR_CODES)[number];

const INVITE_TEMPLATE_NAMES = 'beta-invite.mjml and beta-invite.txt';

/** Marks this package's errors, so that `instanceof` holds across copies of it (errorBrand). */
const brand = errorBrand('@veza/email-templates');

export class EmailTemplatesError extends Error {
  override name = 'EmailTemplatesError';

  /** Also an error of another copy of this package (errorBrand). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return brand.hasInstance(this, EmailTemplatesError, value);
  }

  constructor(
    readonly code: EmailErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    brand.mark(this);
  }
}

/** One or more settings (FRONTEND_URL, FEEDBACK_URL, MAIL_FROM…) are missing or malformed. */
export class EmailSettingsError extends EmailTemplatesError {
  override name = 'EmailSettingsError';
  constructor(readonly problems: readonly Problem[]) {
    super('EMAIL_SETTINGS_INVALID', `email settings are invalid: ${problems.map(problemText).join('; ')}`);
  }
}

/**
 * A template file does not exist or cannot be read. `packaged`: it is one of
 * the package's own templates (no `templateDir` given), missing where a bundle
 * of the backend looks for it.
 */
export class TemplateNotFoundError extends EmailTemplatesError {
  override name = 'TemplateNotFoundError';
  constructor(
    readonly file: string,
    cause: unknown,
    packaged = false,
  ) {
    super(
      'EMAIL_TEMPLATE_NOT_FOUND',
      packaged
        ? `cannot read template ${file}, one of @veza/email-templates' own templates/: when the backend is bundled, leave ` +
            '@veza/email-templates out of the bundle (esbuild --external:@veza/email-templates) or pass `templateDir`, a folder with ' +
            `${INVITE_TEMPLATE_NAMES}`
        : `cannot read template ${file}`,
      { cause },
    );
  }
}

/** A template that MJML rejects, lacks a required placeholder, or puts one where it cannot be filled safely. */
export class TemplateInvalidError extends EmailTemplatesError {
  override name = 'TemplateInvalidError';
  constructor(
    readonly file: string,
    reason: string,
  ) {
    super('EMAIL_TEMPLATE_INVALID', `template ${file}: ${reason}`);
  }
}

/** A {{placeholder}} this library does not know (a typo, or one from another template). */
export class UnknownPlaceholderError extends EmailTemplatesError {
  override name = 'UnknownPlaceholderError';
  constructor(
    readonly placeholder: string,
    readonly file: string,
  ) {
    super('EMAIL_PLACEHOLDER_UNKNOWN', `template ${file} uses unknown placeholder {{${placeholder}}}`);
  }
}

/** A placeholder had no value at render time: nothing is written rather than sending "{{…}}". */
export class UnfilledPlaceholderError extends EmailTemplatesError {
  override name = 'UnfilledPlaceholderError';
  constructor(
    readonly placeholder: string,
    readonly file: string,
  ) {
    super('EMAIL_PLACEHOLDER_UNFILLED', `placeholder {{${placeholder}}} of ${file} has no value`);
  }
}

/** A recipient field (email, name, cohort, code, expiry, invite id) breaks a rule. */
export class RecipientInvalidError extends EmailTemplatesError {
  override name = 'RecipientInvalidError';
  constructor(
    readonly field: string,
    reason: string,
  ) {
    super('EMAIL_RECIPIENT_INVALID', `recipient ${field}: ${reason}`);
  }
}

/** A value bound for a mail header holds CR, LF or another control character (header injection). */
export class HeaderInjectionError extends EmailTemplatesError {
  override name = 'HeaderInjectionError';
  constructor(readonly field: string) {
    super('EMAIL_HEADER_INVALID', `${field} contains a line break or control character and cannot go into a mail header`);
  }
}
