/**
 * The settings of veza-beta's apps that are secrets (🔒 in
 * docs/CONFIGURATION.md): credentials, and URLs that are credentials
 * themselves (a webhook's). Never printed; never handed to a command the
 * operator configured (a mailer, a backup check), which does not need them
 * and could echo them into a log.
 */
export const SECRET_SETTINGS: readonly string[] = Object.freeze([
  'ADMIN_TOKEN',
  'DATABASE_URL',
  'DISCORD_BOT_TOKEN',
  'GATES_WEBHOOK_URL',
  'GITHUB_TOKEN',
  'PAGERDUTY_TOKEN',
  'SENTRY_AUTH_TOKEN',
  'SMTP_URL',
  'TEST_DATABASE_URL',
]);

/** The environment without SECRET_SETTINGS: for a child process the operator configured. */
export function withoutSecretSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const kept: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(env)) if (!SECRET_SETTINGS.includes(name)) kept[name] = value;
  return kept;
}
