import { emailProblem, encodedWordProblem, garbledTextProblem } from '@veza/invite-rules';
import type { Problem, Validation } from '@veza/invite-rules';
import { parseSettings } from '@veza/settings';
import { z } from 'zod';
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

/** The shared result shape (`@veza/settings`): each problem names its variable (`FRONTEND_URL`) and says why. */
export type SettingsResult = Validation<EmailSettings>;

/**
 * A sender or reply-to address follows the recipients' rule (@veza/invite-rules
 * emailProblem): ASCII only (a non-ASCII one was written into the From header
 * double-encoded, and a look-alike domain was silently turned into xn--), no
 * IP literal, no quoted local part.
 */
export function addressProblem(address: string): string | undefined {
  if (hasControlChars(address)) return 'contains a line break or control character';
  const problem = emailProblem(address);
  return problem ? problem.reason : undefined;
}

/** Parses `Name <addr>` or `addr`. */
export function parseMailbox(text: string): { ok: true; value: Mailbox } | { ok: false; error: string } {
  if (hasControlChars(text)) return { ok: false, error: 'contains a line break or control character' };
  const match = /^\s*(?:"?([^"<>]*?)"?\s*<([^<>]+)>|([^<>\s]+))\s*$/.exec(text);
  const address = (match?.[2] ?? match?.[3] ?? '').trim();
  const problem = match ? addressProblem(address) : 'is not `Name <address>` or `address`';
  if (problem) return { ok: false, error: problem };
  const name = match?.[1]?.trim();
  // a .env saved as Windows-1252 put U+FFFD for "é" into the From of every email ("L'\uFFFDquipe Veza")
  const garbled = name ? garbledTextProblem(name) : null;
  if (garbled) return { ok: false, error: `has a name that ${garbled}` };
  // an encoded word (`=?utf-8?q?…?=`) in a sender's name or a subject: mail programs decode it into other text
  // than the operator previewed (a quoted name holding one is also a defect to Python's email)
  const encoded = name ? encodedWordProblem(name) : null;
  if (encoded) return { ok: false, error: `has a name that ${encoded}` };
  return { ok: true, value: name ? { name, address } : { address } };
}

/**
 * An HTML character reference in a link (`&amp;` from a page's source or an email's HTML): the
 * email would carry it escaped once more, and the form would get a parameter named `amp;entry.2`.
 */
const HTML_ENTITY = /&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-f]+);/i;
const NAMED_ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

function entityCharacter(name: string): string {
  const lower = name.toLowerCase();
  if (!lower.startsWith('#')) return NAMED_ENTITIES[lower] ?? name;
  const code = lower.startsWith('#x') ? parseInt(lower.slice(2), 16) : parseInt(lower.slice(1), 10);
  return code > 0x20 && code < 0x7f ? String.fromCharCode(code) : name;
}

/**
 * Why a link holds an HTML character reference (`&amp;`, from a page's source), or undefined: for
 * every link a tester is shown, in the emails here and on the API's signup page.
 */
export function htmlEntityProblem(raw: string): string | undefined {
  const entity = HTML_ENTITY.exec(raw);
  if (!entity) return undefined;
  const meant = entityCharacter(entity[1]!);
  return `contains "${entity[0]}", an HTML-escaped "${meant}" (a link copied from a page's source): write "${meant}" instead`;
}

/**
 * Why a link every tester receives is refused, or undefined. A user name or
 * password in it would be sent to each of them; a backslash is read as a slash
 * (`https://evil.example\@veza.fr` goes to evil.example). A base URL, to which
 * `/signup?invite=CODE` is appended, has no query or fragment either: the code
 * would land inside them (`/?ref=mail/signup?invite=…`). An HTML character
 * reference (`&amp;`) would reach every tester as it is.
 */
function urlProblem(raw: string, url: URL, base: boolean): string | undefined {
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an http(s) URL';
  if (hasControlChars(raw)) return 'contains a control character';
  if (raw.includes('\\')) return 'contains a backslash, which browsers read as a slash (another host)';
  if (url.username || url.password) return 'contains a user name or password, which every recipient would see';
  const entity = htmlEntityProblem(raw);
  if (entity) return entity;
  if (base && (url.search || url.hash || /[?#]/.test(raw)))
    return 'has a query or fragment (?…, #…): the signup path and the code are appended to this URL';
  return undefined;
}

const httpUrl =
  (base: boolean) =>
  (raw: string, ctx: z.RefinementCtx): string => {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'is not a URL' });
      return z.NEVER;
    }
    const problem = urlProblem(raw, url, base);
    if (!problem) return url.href;
    ctx.addIssue({ code: 'custom', message: problem });
    return z.NEVER;
  };

const requiredUrl = z.string({ error: 'is required' }).transform(httpUrl(false));

const mailbox = z.string().transform((raw, ctx) => {
  const parsed = parseMailbox(raw);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: 'custom', message: parsed.error });
  return z.NEVER;
});

const headerText = (fallback: string) =>
  z
    .string()
    .refine((value) => !hasControlChars(value), 'contains a line break or control character')
    .superRefine((value, ctx) => {
      const encoded = encodedWordProblem(value);
      if (encoded) ctx.addIssue({ code: 'custom', message: encoded });
    })
    .superRefine((value, ctx) => {
      const garbled = garbledTextProblem(value);
      if (garbled) ctx.addIssue({ code: 'custom', message: garbled });
    })
    .default(fallback);

/** `mailto:…` or an http(s) URL; resolved against the reply-to address afterwards. */
const unsubscribe = z.string().transform((raw, ctx): EmailSettings['unsubscribe'] => {
  if (raw.toLowerCase().startsWith('mailto:')) {
    const address = decodeURIComponent(raw.slice('mailto:'.length).split('?')[0] ?? '');
    const problem = addressProblem(address);
    if (problem) ctx.addIssue({ code: 'custom', message: `has a mailto address that ${problem}` });
    return { mailto: address };
  }
  return { url: httpUrl(false)(raw, ctx) };
});

/** The email settings, by the variables of docs/CONFIGURATION.md; every default in EMAIL_DEFAULTS. */
export const EMAIL_SETTINGS_SCHEMA = z.object({
  FRONTEND_URL: z.string({ error: 'is required' }).transform(httpUrl(true)),
  FEEDBACK_URL: requiredUrl,
  DISCORD_URL: requiredUrl,
  MAIL_FROM: z.string({ error: 'is required' }).pipe(mailbox),
  MAIL_REPLY_TO: mailbox.optional(),
  MAIL_UNSUBSCRIBE: unsubscribe.optional(),
  MAIL_SUBJECT: headerText(EMAIL_DEFAULTS.subject),
  MAIL_TIMEZONE: z
    .string()
    .refine((timeZone) => {
      try {
        new Intl.DateTimeFormat('fr-FR', { timeZone });
        return true;
      } catch {
        return false;
      }
    }, 'is not an IANA time zone')
    .default(EMAIL_DEFAULTS.timeZone),
});

/** Which variable each EmailSettingsInput key stands for (welcomeSubject has none: code only). */
const INPUT_VARIABLES = {
  frontendUrl: 'FRONTEND_URL',
  feedbackUrl: 'FEEDBACK_URL',
  discordUrl: 'DISCORD_URL',
  from: 'MAIL_FROM',
  replyTo: 'MAIL_REPLY_TO',
  unsubscribe: 'MAIL_UNSUBSCRIBE',
  subject: 'MAIL_SUBJECT',
  timeZone: 'MAIL_TIMEZONE',
} as const satisfies Record<Exclude<keyof EmailSettingsInput, 'welcomeSubject'>, keyof typeof EMAIL_SETTINGS_SCHEMA.shape>;

function assemble(env: Readonly<Record<string, string | undefined>>, welcomeSubject: string | undefined, extra: Problem[]): SettingsResult {
  const parsed = parseSettings(EMAIL_SETTINGS_SCHEMA, env, { showValues: true });
  const problems = [...extra, ...(parsed.ok ? [] : parsed.problems)];
  const welcome = welcomeSubject?.trim() || EMAIL_DEFAULTS.welcomeSubject;
  const welcomeProblem = hasControlChars(welcome) ? 'contains a line break or control character' : encodedWordProblem(welcome);
  if (welcomeProblem) problems.push({ field: 'welcomeSubject', message: welcomeProblem });
  if (!parsed.ok || problems.length > 0) return { ok: false, problems, warnings: [] };
  const v = parsed.value;
  const replyTo = v.MAIL_REPLY_TO ?? v.MAIL_FROM;
  const value: EmailSettings = {
    frontendUrl: v.FRONTEND_URL.replace(/\/+$/, ''),
    feedbackUrl: v.FEEDBACK_URL,
    discordUrl: v.DISCORD_URL,
    from: v.MAIL_FROM,
    replyTo,
    unsubscribe: v.MAIL_UNSUBSCRIBE ?? { mailto: replyTo.address },
    subject: v.MAIL_SUBJECT,
    welcomeSubject: welcome,
    timeZone: v.MAIL_TIMEZONE,
  };
  return { ok: true, value: Object.freeze(value), warnings: [] };
}

/** Pure validation of settings given in code: every problem at once, each named by its variable. */
export function validateEmailSettings(input: EmailSettingsInput): SettingsResult {
  const extra: Problem[] = [];
  const env: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(input) as [string, unknown][]) {
    if (key === 'welcomeSubject') continue;
    const variable = (INPUT_VARIABLES as Record<string, string>)[key];
    if (variable === undefined) extra.push({ field: key, message: 'is not an email setting' });
    else if (typeof value === 'string') env[variable] = value;
  }
  return assemble(env, input.welcomeSubject, extra);
}

/** Reads the documented variables (FRONTEND_URL, FEEDBACK_URL, DISCORD_URL, MAIL_FROM, MAIL_REPLY_TO, MAIL_UNSUBSCRIBE, MAIL_SUBJECT, MAIL_TIMEZONE) from an environment. */
export function emailSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): SettingsResult {
  return assemble(env, undefined, []);
}
