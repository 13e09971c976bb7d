import { hasControlChars } from './header-value.js';

/** A mailbox: an address with an optional display name. */
export interface Mailbox {
  name?: string;
  address: string;
}

/** Validated, frozen settings every email of a batch shares. */
export interface EmailSettings {
  /** Base of the redemption link, without trailing slash: `${frontendUrl}/signup?invite=CODE`. */
  frontendUrl: string;
  feedbackUrl: string;
  discordUrl: string;
  from: Mailbox;
  replyTo: Mailbox;
  /** Where "not for me" goes: a mailto: address and/or an https URL (one-click, RFC 8058). */
  unsubscribe: { mailto?: string; url?: string };
  subject: string;
  welcomeSubject: string;
  /** IANA zone in which the expiry date is written. */
  timeZone: string;
}

/** What a caller may pass: strings as they come from env or a config file. */
export interface EmailSettingsInput {
  frontendUrl?: string;
  feedbackUrl?: string;
  discordUrl?: string;
  /** `Veza <beta@veza.fr>` or `beta@veza.fr` */
  from?: string;
  replyTo?: string;
  /** `mailto:…` or `https://…` */
  unsubscribe?: string;
  subject?: string;
  welcomeSubject?: string;
  timeZone?: string;
}

/** Every default in one place. None is a URL or an address: those would reach 100 people if wrong. */
export const EMAIL_DEFAULTS = Object.freeze({
  subject: 'Ton invitation à la bêta de Veza',
  welcomeSubject: 'Bienvenue dans la bêta de Veza',
  // The team works from France; the date in the email is the local day the code stops working.
  timeZone: 'Europe/Paris',
});

export type SettingsResult = { ok: true; value: EmailSettings; errors: [] } | { ok: false; errors: string[] };

const KNOWN_KEYS = new Set(['frontendUrl', 'feedbackUrl', 'discordUrl', 'from', 'replyTo', 'unsubscribe', 'subject', 'welcomeSubject', 'timeZone']);
// Deliberately simple: one @, no spaces or angle brackets, a dotted domain. Real validation is the recipient's server.
const ADDRESS = /^[^\s@<>()",;:]+@[^\s@<>()",;:]+\.[^\s@<>()",;:]+$/;

export function addressProblem(address: string): string | undefined {
  if (hasControlChars(address)) return 'contains a line break or control character';
  if (address.length > 254) return 'is longer than 254 characters';
  return ADDRESS.test(address) ? undefined : 'is not an email address';
}

/** Parses `Name <addr>` or `addr`. */
export function parseMailbox(text: string): { ok: true; value: Mailbox } | { ok: false; error: string } {
  if (hasControlChars(text)) return { ok: false, error: 'contains a line break or control character' };
  const match = /^\s*(?:"?([^"<>]*?)"?\s*<([^<>]+)>|([^<>\s]+))\s*$/.exec(text);
  const address = (match?.[2] ?? match?.[3] ?? '').trim();
  const problem = match ? addressProblem(address) : 'is not `Name <address>` or `address`';
  if (problem) return { ok: false, error: problem };
  const name = match?.[1]?.trim();
  return { ok: true, value: name ? { name, address } : { address } };
}

function httpUrl(field: string, raw: string | undefined, errors: string[], required: boolean): string | undefined {
  if (raw === undefined || raw.trim() === '') {
    if (required) errors.push(`${field} is required`);
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    errors.push(`${field} is not a URL`);
    return undefined;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') errors.push(`${field} must be an http(s) URL`);
  else if (hasControlChars(raw)) errors.push(`${field} contains a control character`);
  else return url.href;
  return undefined;
}

function mailbox(field: string, raw: string | undefined, errors: string[]): Mailbox | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = parseMailbox(raw);
  if (!parsed.ok) errors.push(`${field} ${parsed.error}`);
  return parsed.ok ? parsed.value : undefined;
}

function text(field: string, raw: string | undefined, fallback: string, errors: string[]): string {
  const value = raw?.trim() || fallback;
  if (hasControlChars(value)) errors.push(`${field} contains a line break or control character`);
  return value;
}

function unsubscribeTarget(raw: string | undefined, replyTo: Mailbox | undefined, errors: string[]): EmailSettings['unsubscribe'] {
  const value = raw?.trim();
  if (!value) return replyTo ? { mailto: replyTo.address } : {};
  if (value.toLowerCase().startsWith('mailto:')) {
    const address = decodeURIComponent(value.slice('mailto:'.length).split('?')[0] ?? '');
    const problem = addressProblem(address);
    if (problem) errors.push(`unsubscribe mailto address ${problem}`);
    return { mailto: address };
  }
  const url = httpUrl('unsubscribe', value, errors, true);
  return url ? { url } : {};
}

/** Pure validation: every problem at once, so the operator fixes them in one go. */
export function validateEmailSettings(input: EmailSettingsInput): SettingsResult {
  const errors: string[] = [];
  for (const key of Object.keys(input)) if (!KNOWN_KEYS.has(key)) errors.push(`unknown setting ${key}`);
  const frontendUrl = httpUrl('frontendUrl (FRONTEND_URL)', input.frontendUrl, errors, true);
  const feedbackUrl = httpUrl('feedbackUrl (FEEDBACK_URL)', input.feedbackUrl, errors, true);
  const discordUrl = httpUrl('discordUrl (DISCORD_URL)', input.discordUrl, errors, true);
  const from = mailbox('from (MAIL_FROM)', input.from, errors);
  if (!input.from?.trim()) errors.push('from (MAIL_FROM) is required');
  const replyTo = mailbox('replyTo (MAIL_REPLY_TO)', input.replyTo, errors) ?? from;
  const unsubscribe = unsubscribeTarget(input.unsubscribe, replyTo, errors);
  const subject = text('subject', input.subject, EMAIL_DEFAULTS.subject, errors);
  const welcomeSubject = text('welcomeSubject', input.welcomeSubject, EMAIL_DEFAULTS.welcomeSubject, errors);
  const timeZone = input.timeZone?.trim() || EMAIL_DEFAULTS.timeZone;
  try {
    new Intl.DateTimeFormat('fr-FR', { timeZone });
  } catch {
    errors.push(`timeZone ${timeZone} is not an IANA time zone`);
  }
  if (errors.length > 0 || !frontendUrl || !feedbackUrl || !discordUrl || !from || !replyTo) return { ok: false, errors };
  const value: EmailSettings = {
    frontendUrl: frontendUrl.replace(/\/+$/, ''),
    feedbackUrl,
    discordUrl,
    from,
    replyTo,
    unsubscribe,
    subject,
    welcomeSubject,
    timeZone,
  };
  return { ok: true, value: Object.freeze(value), errors: [] };
}

/** Reads the documented variables (FRONTEND_URL, FEEDBACK_URL, DISCORD_URL, MAIL_FROM, MAIL_REPLY_TO, MAIL_UNSUBSCRIBE, MAIL_SUBJECT, MAIL_TIMEZONE) from an env object. */
export function emailSettingsFromEnv(env: Record<string, string | undefined>): SettingsResult {
  const input: EmailSettingsInput = {
    frontendUrl: env['FRONTEND_URL'],
    feedbackUrl: env['FEEDBACK_URL'],
    discordUrl: env['DISCORD_URL'],
    from: env['MAIL_FROM'],
    replyTo: env['MAIL_REPLY_TO'],
    unsubscribe: env['MAIL_UNSUBSCRIBE'],
    subject: env['MAIL_SUBJECT'],
    timeZone: env['MAIL_TIMEZONE'],
  };
  for (const key of Object.keys(input) as (keyof EmailSettingsInput)[]) if (input[key] === undefined) delete input[key];
  return validateEmailSettings(input);
}
