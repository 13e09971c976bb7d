export { buildEml } from './build-eml.js';
export { buildInviteEml } from './build-invite-eml.js';
export { hasInviteLink, inviteEmlProblem, withSendDate } from './check-invite-eml.js';
// where the template writes the code: read by the mailer too (to hide it in a mailer's answer), so it lives with the code rules
export { inviteEmlCodes } from '@veza/invite-rules';
export { compileInviteTemplate } from './compile-invite-template.js';
export type { CompiledInvite } from './compile-invite-template.js';
export { EMAIL_ERROR_CODES, EmailTemplatesError, RecipientInvalidError } from './errors.js';
export type { EmailErrorCode } from './errors.js';
export type { InviteRecipient } from './recipient.js';
export {
  EMAIL_DEFAULTS,
  EMAIL_SETTINGS_SCHEMA,
  emailSettingsFromEnv,
  htmlEntityProblem,
  parseMailbox,
  validateEmailSettings,
} from './settings.js';
export type { EmailSettings, EmailSettingsInput, Mailbox, SettingsResult } from './settings.js';
export { screenshotHtmlFile, writePreview } from './write-preview.js';
export type { PreviewItem } from './write-preview.js';
