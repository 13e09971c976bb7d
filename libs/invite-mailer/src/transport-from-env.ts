import { parseSettings, positiveNumberField, SECRET_SETTINGS, withoutSecretSettings } from '@veza/settings';
import { z } from 'zod';
import { BlankTransportSettingError, InvalidOptionError } from './errors.js';
import { SEND_CMD_DEFAULTS, sendCmdTransport } from './send-cmd-transport.js';
import { smtpTransport } from './smtp-transport.js';
import type { Transport } from './transport.js';

/** The seed's default SEND_CMD. */
export const DEFAULT_SEND_CMD = 'msmtp -t';

/** The transport's variables, each default stated once. Messages follow MAILER_INVALID_OPTION's `NAME: expected …`. */
const TRANSPORT_SETTINGS_SCHEMA = z.object({
  /** secret: may hold a password; never quoted */
  SMTP_URL: z.string().optional(),
  SEND_CMD: z.string().default(DEFAULT_SEND_CMD),
  /** seconds one SEND_CMD send may take before the command is killed; decimal digits only (no `1e3`, no `1m`) */
  SEND_TIMEOUT: positiveNumberField({ error: (issue) => `a positive number of seconds, got '${String(issue.input)}'` })
    .transform((text) => Number(text) * 1000)
    .default(SEND_CMD_DEFAULTS.timeoutMs),
});

type TransportSettings = z.output<typeof TRANSPORT_SETTINGS_SCHEMA>;

/**
 * SMTP_URL or SEND_CMD set but blank, or null. Other settings read blank as
 * unset, but here unset means another transport (BlankTransportSettingError).
 * A blank SEND_CMD beside a SMTP_URL is let be: SMTP_URL is used, as it would
 * be with any SEND_CMD (the sending commands say SEND_CMD is not used), as a
 * blank VEZA_DATA_DIR beside a DATABASE_URL is.
 */
export function blankTransportSettingError(env: NodeJS.ProcessEnv): BlankTransportSettingError | null {
  const blank = (name: 'SMTP_URL' | 'SEND_CMD') => env[name] !== undefined && env[name].trim() === '';
  if (blank('SMTP_URL')) return new BlankTransportSettingError('SMTP_URL', DEFAULT_SEND_CMD);
  if (blank('SEND_CMD') && env['SMTP_URL'] === undefined) return new BlankTransportSettingError('SEND_CMD', DEFAULT_SEND_CMD);
  return null;
}

/** Reads the transport's variables from the env it is given; a blank SMTP_URL or SEND_CMD throws MAILER_TRANSPORT_BLANK, the first bad one MAILER_INVALID_OPTION. */
function transportSettings(env: NodeJS.ProcessEnv): TransportSettings {
  const blank = blankTransportSettingError(env);
  if (blank) throw blank;
  const parsed = parseSettings(TRANSPORT_SETTINGS_SCHEMA, env, { secrets: SECRET_SETTINGS });
  if (parsed.ok) return parsed.value;
  const [first] = parsed.problems;
  throw new InvalidOptionError(first?.field ?? '(settings)', first?.message ?? 'valid transport settings');
}

/** SEND_TIMEOUT: seconds one SEND_CMD send may take before the command is killed (60), in ms; throws MAILER_INVALID_OPTION. */
export function sendTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  return transportSettings({ SEND_TIMEOUT: env['SEND_TIMEOUT'] }).SEND_TIMEOUT;
}

/** SMTP_URL when set, else SEND_CMD (default `msmtp -t`, deadline SEND_TIMEOUT); either set but blank throws MAILER_TRANSPORT_BLANK. The env is passed in: the lib reads no process.env. */
export function transportFromEnv(env: NodeJS.ProcessEnv, connections: number): Transport {
  const settings = transportSettings(env);
  if (settings.SMTP_URL) return smtpTransport(settings.SMTP_URL, connections);
  // the mailer gets the environment without veza-beta's secrets: it needs none, and could echo them into a log
  return sendCmdTransport(settings.SEND_CMD, withoutSecretSettings(env), { timeoutMs: settings.SEND_TIMEOUT });
}

/** Whether the env names a transport on purpose (the API sends welcome emails only then). */
export function hasTransportSettings(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['SMTP_URL']?.trim() || env['SEND_CMD']?.trim());
}
