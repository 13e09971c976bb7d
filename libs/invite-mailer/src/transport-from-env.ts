import { sendCmdTransport } from './send-cmd-transport.js';
import { smtpTransport } from './smtp-transport.js';
import type { Transport } from './transport.js';

/** The seed's default SEND_CMD. */
export const DEFAULT_SEND_CMD = 'msmtp -t';

/** SMTP_URL when set, else SEND_CMD (default `msmtp -t`). The env is passed in: the lib reads no process.env. */
export function transportFromEnv(env: NodeJS.ProcessEnv, connections: number): Transport {
  const smtp = env['SMTP_URL']?.trim();
  if (smtp) return smtpTransport(smtp, connections);
  return sendCmdTransport(env['SEND_CMD']?.trim() || DEFAULT_SEND_CMD, env);
}

/** Whether the env names a transport on purpose (the API sends welcome emails only then). */
export function hasTransportSettings(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env['SMTP_URL']?.trim() || env['SEND_CMD']?.trim());
}
