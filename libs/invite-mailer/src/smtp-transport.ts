import { createTransport } from 'nodemailer';
import { SmtpUrlInvalidError } from './errors.js';
import { oneLine } from './transport.js';
import type { Transport } from './transport.js';

/** Hides the password of an SMTP URL. */
export function redactSmtpUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return 'SMTP_URL (unparseable)';
  }
}

/** Connection-level failures nodemailer reports without an SMTP code: worth a retry. */
const TEMPORARY_CODES = ['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS'];

/**
 * SMTP_URL (smtp:// or smtps://, credentials in the URL), a pool of
 * `connections`: each .eml is sent as is. 4xx and connection trouble are
 * temporary, 5xx permanent. Throws MAILER_SMTP_URL_INVALID.
 */
export function smtpTransport(url: string, connections: number): Transport {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (error) {
    throw new SmtpUrlInvalidError(redactSmtpUrl(url), error);
  }
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') throw new SmtpUrlInvalidError(redactSmtpUrl(url));
  let transporter: ReturnType<typeof createTransport>;
  try {
    transporter = createTransport({ url, pool: true, maxConnections: connections } as Parameters<typeof createTransport>[0]);
  } catch (error) {
    throw new SmtpUrlInvalidError(redactSmtpUrl(url), error);
  }
  const password = parsed.password ? decodeURIComponent(parsed.password) : '';
  // A server or nodemailer could echo the login: never let the password reach a log.
  const hide = (text: string) => (password ? text.split(password).join('***') : text);
  return {
    description: `SMTP ${redactSmtpUrl(url)}`,
    send: async (eml, envelope) => {
      try {
        const info = (await transporter.sendMail({ envelope: { from: envelope.from, to: envelope.to }, raw: eml })) as {
          response?: string;
        };
        return { ok: true, temporary: false, response: hide(oneLine(info.response ?? 'accepted')) };
      } catch (error) {
        const e = error as { responseCode?: number; response?: string; code?: string; message: string };
        const temporary = e.responseCode ? e.responseCode >= 400 && e.responseCode < 500 : TEMPORARY_CODES.includes(e.code ?? '');
        return { ok: false, temporary, response: hide(oneLine(e.response ?? `${e.code ?? 'error'}: ${e.message}`)) };
      }
    },
    close: () => Promise.resolve(transporter.close()),
  };
}
