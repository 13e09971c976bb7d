export { EnvFileUnreadableError, SETTINGS_ERROR_CODES, SettingsError, SettingsInvalidError } from './errors.js';
export type { SettingsErrorCode } from './errors.js';
export {
  commaListField,
  flagField,
  httpUrlField,
  looseFlagField,
  positiveNumberField,
  unclearFlagWarning,
  wholeNumberField,
} from './fields.js';
export { SETTINGS_EXIT_CODE, formatProblems, settingsOrThrow } from './format-problems.js';
export { loadEnv, settingSources } from './load-env.js';
export { KNOWN_SETTINGS, misspelledSettingWarnings, misspelledSettings } from './misspelled-settings.js';
export type { MisspelledSetting } from './misspelled-settings.js';
export type { LoadEnvOptions, LoadedEnv } from './load-env.js';
export { maskUrlPassword, parseSettings } from './parse-settings.js';
export type { ParseSettingsOptions, SettingsSchema } from './parse-settings.js';
export { readSettings } from './read-settings.js';
export { SECRET_SETTINGS, withoutSecretSettings } from './secret-settings.js';
export type { SettingsRead } from './read-settings.js';
export { unreadTimeZoneWarning } from './time-zone.js';
export type { Problem, Validation } from '@veza/invite-rules';
