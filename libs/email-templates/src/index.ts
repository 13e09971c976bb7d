export { buildEml } from './build-eml.js';
export type { EmlMessage, EmlOptions } from './build-eml.js';
export { INVITE_ID_HEADER, buildInviteEml, listUnsubscribeHeaders } from './build-invite-eml.js';
export { DEFAULT_TEMPLATE_DIR, INVITE_PLACEHOLDERS, INVITE_TEMPLATE_FILES, compileInviteTemplate } from './compile-invite-template.js';
export type { CompileOptions, CompiledInvite, InvitePlaceholder, RenderedEmail } from './compile-invite-template.js';
export {
  EMAIL_ERROR_CODES,
  EmailSettingsError,
  EmailTemplatesError,
  HeaderInjectionError,
  RecipientInvalidError,
  TemplateInvalidError,
  TemplateNotFoundError,
  UnfilledPlaceholderError,
  UnknownPlaceholderError,
} from './errors.js';
export type { EmailErrorCode } from './errors.js';
export { escapeHtml } from './escape-html.js';
export { checkRecipient } from './recipient.js';
export type { CheckedRecipient, InviteRecipient } from './recipient.js';
export { EMAIL_DEFAULTS, EMAIL_SETTINGS_SCHEMA, emailSettingsFromEnv, parseMailbox, validateEmailSettings } from './settings.js';
export type { EmailSettings, EmailSettingsInput, Mailbox, SettingsResult } from './settings.js';
export { DEFAULT_CHROMIUM_PATH, screenshotHtmlFile, writePreview } from './write-preview.js';
export type { PreviewItem, PreviewOptions, PreviewResult } from './write-preview.js';
