import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collapseWhitespace } from './collapse-whitespace.js';
import { EmailSettingsError, TemplateInvalidError, TemplateNotFoundError, UnfilledPlaceholderError } from './errors.js';
import { parseTemplate } from './parse-template.js';
import type { ParsedTemplate } from './parse-template.js';
import { fillTemplate } from './parse-template.js';
import { checkRecipient } from './recipient.js';
import type { CheckedRecipient, InviteRecipient } from './recipient.js';
import { validateEmailSettings } from './settings.js';
import type { EmailSettings, EmailSettingsInput } from './settings.js';

/**
 * The templates shipped with the package (its templates/); `templateDir` replaces them as a whole.
 * Computed when a compile needs them, not on import: a backend bundled with this package inside
 * (esbuild's CommonJS output has no import.meta.url) loads, and only a compile without `templateDir` fails.
 */
export function defaultTemplateDir(): string {
  // written out as import.meta.url: the workspace's own app bundles (tools/testing/prebuild-apps.mjs) put each file's URL there
  const here: unknown = import.meta.url;
  if (typeof here !== 'string')
    throw new TemplateNotFoundError(
      INVITE_TEMPLATE_FILES.html,
      new Error('the package was bundled: it has no module URL to find its templates from'),
      true,
    );
  return fileURLToPath(new URL('../templates', here));
}
export const INVITE_TEMPLATE_FILES = Object.freeze({ html: 'beta-invite.mjml', text: 'beta-invite.txt' });

/** Every placeholder an invite template may use. */
export const INVITE_PLACEHOLDERS = Object.freeze([
  'name_greeting',
  'code_grouped',
  'signup_url',
  'expires_on',
  'feedback_url',
  'discord_url',
  'cohort',
  'unsubscribe_url',
] as const);
export type InvitePlaceholder = (typeof INVITE_PLACEHOLDERS)[number];

const NAMES = {
  known: new Set<string>(INVITE_PLACEHOLDERS),
  urls: new Set<string>(['signup_url', 'feedback_url', 'discord_url', 'unsubscribe_url']),
  // Without these an invite is useless or cannot be declined.
  required: ['code_grouped', 'signup_url', 'unsubscribe_url'],
};

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
}

/** An invite template compiled once for a batch; `render` only fills values in. */
export interface CompiledInvite {
  readonly settings: EmailSettings;
  readonly templateDir: string;
  render(recipient: InviteRecipient): RenderedEmail;
  /** `render` for a recipient already checked, with the values it put in the placeholders. */
  renderChecked(recipient: CheckedRecipient): RenderedEmail & { values: Record<InvitePlaceholder, string> };
}

/** What buildInviteEml needs to write the bodies without going through strings: the parsed templates and the values. */
export interface InviteTemplateParts {
  html: ParsedTemplate;
  text: ParsedTemplate;
  values(recipient: CheckedRecipient): Record<InvitePlaceholder, string>;
}

const templateParts = new WeakMap<CompiledInvite, InviteTemplateParts>();

/** The parts of a CompiledInvite made by compileInviteTemplate; undefined for any other object. */
export function inviteTemplateParts(compiled: CompiledInvite): InviteTemplateParts | undefined {
  return templateParts.get(compiled);
}

export interface CompileOptions {
  settings: EmailSettings | EmailSettingsInput;
  templateDir?: string;
}

async function readTemplate(file: string, packaged: boolean): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new TemplateNotFoundError(file, error, packaged);
  }
}

function checkedSettings(settings: EmailSettings | EmailSettingsInput): EmailSettings {
  // Already-validated settings are frozen objects with a parsed `from`; anything else goes through validation.
  if (Object.isFrozen(settings) && typeof settings.from === 'object') return settings as EmailSettings;
  const result = validateEmailSettings(settings as EmailSettingsInput);
  if (!result.ok) throw new EmailSettingsError(result.problems);
  return result.value;
}

function unsubscribeUrl(settings: EmailSettings, inviteId: string): string {
  const { url, mailto } = settings.unsubscribe;
  if (url) {
    const target = new URL(url);
    target.searchParams.set('invite_id', inviteId);
    return target.href;
  }
  if (mailto) return `mailto:${mailto}?subject=${encodeURIComponent(`Pas pour moi (invitation ${inviteId})`)}`;
  throw new UnfilledPlaceholderError('unsubscribe_url', 'settings.unsubscribe');
}

const SPLICEABLE_ID = /^[A-Za-z0-9._-]+$/;

/**
 * unsubscribeUrl for a whole batch, worked out once: an invite id made of
 * letters, digits, ".", "_" and "-" comes out of the query serialisation and
 * of encodeURIComponent unchanged, so it is spliced between a fixed prefix
 * and suffix. Anything else (no unsubscribe target, an odd id) takes the slow way.
 */
function unsubscribeUrlFor(settings: EmailSettings): (inviteId: string) => string {
  const marker = 'VezaInviteId7Q3x';
  let sample: string;
  try {
    sample = unsubscribeUrl(settings, marker);
  } catch {
    return (inviteId) => unsubscribeUrl(settings, inviteId);
  }
  const at = sample.indexOf(marker);
  if (at < 0 || sample.indexOf(marker, at + 1) >= 0) return (inviteId) => unsubscribeUrl(settings, inviteId);
  const prefix = sample.slice(0, at);
  const suffix = sample.slice(at + marker.length);
  return (inviteId) => (SPLICEABLE_ID.test(inviteId) ? prefix + inviteId + suffix : unsubscribeUrl(settings, inviteId));
}

/** Compiles the MJML once, checks settings and placeholders; throws before anything is rendered. */
export async function compileInviteTemplate(options: CompileOptions): Promise<CompiledInvite> {
  const settings = checkedSettings(options.settings);
  const templateDir = options.templateDir ?? defaultTemplateDir();
  const htmlFile = join(templateDir, INVITE_TEMPLATE_FILES.html);
  const textFile = join(templateDir, INVITE_TEMPLATE_FILES.text);
  const [mjmlSource, textSource] = await Promise.all([
    readTemplate(htmlFile, options.templateDir === undefined),
    readTemplate(textFile, options.templateDir === undefined),
  ]);
  let compiledHtml: string;
  try {
    // keepComments off: the operator notes at the top of the file name placeholders and must not reach anyone.
    // mjml is loaded on the first compile, not on import (it takes about half a second to load).
    const { default: mjml2html } = await import('mjml');
    const result = await mjml2html(mjmlSource, { validationLevel: 'strict', keepComments: false, filePath: htmlFile });
    // Indentation out: each email is written to disk, flushed and sent, and a third of MJML's HTML was indentation.
    compiledHtml = collapseWhitespace(result.html);
  } catch (error) {
    const reason = error instanceof Error ? error.message.split('\n').slice(0, 5).join(' ') : String(error);
    throw new TemplateInvalidError(htmlFile, `MJML rejected it: ${reason}`);
  }
  const html: ParsedTemplate = parseTemplate(compiledHtml, htmlFile, 'html', NAMES);
  const text: ParsedTemplate = parseTemplate(textSource.replace(/\r\n/g, '\n'), textFile, 'text', NAMES);
  const lastDay = lastFullDay(settings.timeZone);
  // A batch shares a handful of expiry dates: each is formatted once.
  const formattedDates = new Map<number, string>();
  const expiresOn = (date: Date): string => {
    const time = date.getTime();
    let formatted = formattedDates.get(time);
    if (formatted === undefined) {
      if (formattedDates.size >= 4096) formattedDates.clear();
      formattedDates.set(time, (formatted = lastDay(date)));
    }
    return formatted;
  };
  const unsubscribeUrlOf = unsubscribeUrlFor(settings);

  const values = (r: CheckedRecipient): Record<InvitePlaceholder, string> => ({
    name_greeting: r.name ? `Bonjour ${r.name},` : 'Bonjour,',
    code_grouped: r.codeGrouped,
    signup_url: `${settings.frontendUrl}/signup?invite=${encodeURIComponent(r.codeGrouped)}`,
    expires_on: expiresOn(r.expiresAt),
    feedback_url: settings.feedbackUrl,
    discord_url: settings.discordUrl,
    cohort: r.cohort,
    unsubscribe_url: unsubscribeUrlOf(r.inviteId),
  });

  const compiled: CompiledInvite = Object.freeze({
    settings,
    templateDir,
    render(recipient: InviteRecipient): RenderedEmail {
      const filled = values(checkRecipient(recipient));
      return { subject: settings.subject, html: fillTemplate(html, filled), text: fillTemplate(text, filled) };
    },
    renderChecked(recipient: CheckedRecipient) {
      const filled = values(recipient);
      return { subject: settings.subject, html: fillTemplate(html, filled), text: fillTemplate(text, filled), values: filled };
    },
  });
  templateParts.set(compiled, { html, text, values });
  return compiled;
}

/**
 * The last day on which a code expiring at `expiresAt` works all day long, in
 * `timeZone`, in French ("30 juin 2026", "1er juillet 2026"): the day before
 * the one it expires in. The email says "jusqu'au <that day> inclus": a code
 * expiring at 00:15 or at noon on 1 July was announced "jusqu'au 1 juillet",
 * a day it mostly does not work.
 */
function lastFullDay(timeZone: string): (expiresAt: Date) => string {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric' });
  const long = new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long', timeZone: 'UTC' });
  return (expiresAt) => {
    const inZone = parts.formatToParts(expiresAt);
    const field = (type: string) => Number(inZone.find((p) => p.type === type)?.value);
    const day = new Date(Date.UTC(field('year'), field('month') - 1, field('day') - 1));
    const text = long.format(day);
    return day.getUTCDate() === 1 ? text.replace(/^1 /, '1er ') : text;
  };
}
