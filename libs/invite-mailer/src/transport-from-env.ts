import { InvalidOptionError } from './errors.js';
import { SEND_CMD_DEFAULTS, sendCmdTransport } from './send-cmd-transport.js';
import { smtpTransport } from './smtp-transport.js';
import type { Transport } from './transport.js';

/** The seed's default SEND_CMD. */
export const DEFAULT_SEND_CMD = 'msmtp -t';

/** SEND_TIMEOUT: seconds one SEND_CMD send may take before the command is killed (60); throws MAILER_INVALID_OPTION. */
export function sendTimeoutFromEnv(env: NodeJS.ProcessEnv): number {
  const raw = env['SEND_TIMEOUT']?.trim();
  if (!raw) return SEND_CMD_DEFAULTS.timeoutMs;
  const seconds = /^\d+(\.\d+)?$/.test(raw) ? Number(raw) : NaN;
  if (!(seconds > 0)) throw new InvalidOptionError('SEND_TIMEOUT', `a positive number of seconds, got '${raw}'`);
  return seconds * 1000;
}

/** SMTP_URL when set, else SEND_CMD (default `msmtp -t`, deadline SEND_TIMEOUT). The env is passed in: the lib reads no process.env. */
export function transportFromEnv(env: NodeJS.ProcessEnv, connections: number): Transport {
  const smtp = env['SMTP_URL']?.trim();
  if (smtp) return smtpTransport(smtp, connections);
  return sendCmdTransport(env['SEND_CMD']?.trim() || DEFAULT_SEND_CMD, env, { timeoutMs: sendTimeoutFromEnv(env) });
}

/** Whether the env names a transport on purpose (the API sends welcome emails only then). */
export function hasTransportSettings(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['SMTP_URL']?.trim() || env['SEND_CMD']?.trim());
}
