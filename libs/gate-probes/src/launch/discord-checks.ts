import { ProbeProblem } from '../probe-kit.js';
import type { ProbeContext, ProbeOptions } from '../probe-kit.js';
import { requestJson } from '../request-json.js';
import { launchWindowText } from './database-rules.js';
import type { LaunchStart } from './database-rules.js';
import { notConfiguredCheck, runLaunchCheck } from './launch-check.js';
import type { LaunchCheck } from './launch-check.js';
import { LAUNCH_DEFAULTS } from './launch-settings.js';
import type { LaunchSettings } from './launch-settings.js';
import { requestStatus } from './request-status.js';
import { isoTime, jsonText } from '../json-text.js';

export const DISCORD_INVITE_TITLE = 'Discord invite valid, leads to the feedback channel';
export const DISCORD_PINS_TITLE = 'Discord ground rules pinned';
export const DISCORD_MESSAGES_TITLE = 'Discord has a message since the send';
/** Messages read after the send: Discord's largest page (`limit` 1–100), the oldest ones after `after=`. */
const MESSAGES_PAGE = 100;
/** Discord's epoch (2015-01-01T00:00:00Z) in ms: snowflakes count from it. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** The invite code of https://discord.gg/CODE or https://discord.com/invite/CODE; null when the URL is neither. */
export function discordInviteCode(url: string): string | null {
  const m = /^https?:\/\/(?:www\.)?(?:discord\.gg\/|discord(?:app)?\.com\/invite\/)([\w-]+)\/?$/i.exec(url.trim());
  return m?.[1] ?? null;
}

/** The smallest snowflake of an instant: `after=` this lists the messages sent since. */
export function snowflakeAt(date: Date): string {
  return ((BigInt(date.getTime()) - DISCORD_EPOCH_MS) << 22n).toString();
}

interface Invite {
  channel: { id: string; name: string };
  guild: string;
  /** ms since the epoch; null = never expires */
  expiresAt: number | null;
}

/** The public invite lookup (no token): 404 Unknown Invite is 🔴 (the emails carry a dead link), not ⚪. */
async function lookupInvite(ctx: ProbeContext, settings: LaunchSettings, code: string): Promise<Invite | { dead: string }> {
  const answer = await requestStatus(ctx, `${settings.discord.apiUrl}/invites/${encodeURIComponent(code)}?with_counts=true`);
  let body: Record<string, unknown> | null = null;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    if (answer.status < 500 && answer.status !== 429) throw new ProbeProblem('parse', `HTTP ${answer.status} but the body is not JSON`);
  }
  if (answer.status === 429)
    throw new ProbeProblem('rate_limited', `HTTP 429: rate limited (retry after ${jsonText(body?.['retry_after'], '?')} s)`);
  if (answer.status >= 500) throw new ProbeProblem('unavailable', `server error HTTP ${answer.status}`);
  if (answer.status === 404)
    return { dead: `Unknown Invite (${jsonText(body?.['code'], '404')}): the link in DISCORD_URL is invalid or expired` };
  if (answer.status === 401 || answer.status === 403) throw new ProbeProblem('auth', `HTTP ${answer.status}`);
  if (answer.status !== 200) throw new ProbeProblem('config', `HTTP ${answer.status}: the API refused the request`);
  const channel = body?.['channel'] as { id?: unknown; name?: unknown } | undefined;
  const guild = body?.['guild'] as { name?: unknown } | undefined;
  if (typeof channel?.id !== 'string' || typeof channel.name !== 'string') throw new ProbeProblem('parse', 'the invite has no channel');
  const expires = body?.['expires_at'] ?? null;
  const expiresAt = expires === null ? null : isoTime(expires);
  if (expires !== null && expiresAt === null) throw new ProbeProblem('parse', 'the invite has an expires_at that is not an ISO 8601 time');
  return { channel: { id: channel.id, name: channel.name }, guild: jsonText(guild?.name, '?'), expiresAt };
}

function inviteCodeOf(settings: LaunchSettings): string {
  const code = discordInviteCode(settings.discord.inviteUrl ?? '');
  if (!code) throw new ProbeProblem('config', 'DISCORD_URL is not a discord.gg/CODE or discord.com/invite/CODE link');
  return code;
}

/**
 * Why an invite that expires is too short-lived, or null. Discord's default
 * invite lives 7 days and every email links it: it must outlive BETA_END, or
 * without it the invite codes' 30 days from now.
 */
function expiryProblem(expiresAt: number | null, settings: LaunchSettings, now: Date): string | null {
  if (expiresAt === null) return null;
  const at = new Date(expiresAt).toISOString();
  if (settings.betaEnd)
    return expiresAt < settings.betaEnd.getTime()
      ? `the invite expires at ${at}, before BETA_END (${settings.betaEnd.toISOString()}): create one that never expires`
      : null;
  const days = LAUNCH_DEFAULTS.discordInviteMinDays;
  return expiresAt < now.getTime() + days * 86_400_000
    ? `the invite expires at ${at}, within ${days} days (BETA_END unset): create one that never expires`
    : null;
}

/** DISCORD_URL's invite is valid, lives through the beta and leads to #DISCORD_CHANNEL. */
export function discordInviteCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  if (!settings.discord.inviteUrl) return Promise.resolve(notConfiguredCheck(DISCORD_INVITE_TITLE, 'DISCORD_URL'));
  return runLaunchCheck(DISCORD_INVITE_TITLE, options, async (ctx) => {
    const invite = await lookupInvite(ctx, settings, inviteCodeOf(settings));
    if ('dead' in invite) return { state: 'fail', summary: invite.dead };
    if (invite.channel.name !== settings.discord.channel)
      return { state: 'fail', summary: `the invite leads to #${invite.channel.name} on ${invite.guild}, not #${settings.discord.channel}` };
    const expiry = expiryProblem(invite.expiresAt, settings, ctx.now());
    if (expiry) return { state: 'fail', summary: expiry };
    const until = invite.expiresAt === null ? '' : `, valid until ${new Date(invite.expiresAt).toISOString()}`;
    return { state: 'pass', summary: `leads to #${invite.channel.name} on ${invite.guild}${until}` };
  });
}

/**
 * The channel the invite leads to, then an authorised GET on it (the bot token
 * stays with DISCORD_API_URL). An invite to another channel than
 * DISCORD_CHANNEL is 🔴 here too: its pins or messages say nothing about the
 * feedback channel.
 */
async function channelRequest(
  ctx: ProbeContext,
  settings: LaunchSettings,
  path: (channelId: string) => string,
): Promise<unknown[] | { dead: string }> {
  const invite = await lookupInvite(ctx, settings, inviteCodeOf(settings));
  if ('dead' in invite) return invite;
  if (invite.channel.name !== settings.discord.channel)
    return {
      dead: `the invite leads to #${invite.channel.name}, not #${settings.discord.channel}: that channel was not checked`,
    };
  const { body } = await requestJson(ctx, `${settings.discord.apiUrl}${path(invite.channel.id)}`, {
    headers: { Authorization: `Bot ${settings.discord.botToken}` },
    origin: new URL(settings.discord.apiUrl).origin,
    originSetting: 'DISCORD_API_URL',
    notFound: 'HTTP 404: the bot cannot see the channel (is it on the server?)',
  });
  if (!Array.isArray(body)) throw new ProbeProblem('parse', 'Discord did not answer a list of messages');
  return body as unknown[];
}

/** With DISCORD_BOT_TOKEN: at least one pinned message (the ground rules) in the channel. */
export function discordPinsCheck(settings: LaunchSettings, options: ProbeOptions = {}): Promise<LaunchCheck> {
  if (!settings.discord.inviteUrl || !settings.discord.botToken)
    return Promise.resolve(notConfiguredCheck(DISCORD_PINS_TITLE, 'DISCORD_URL and DISCORD_BOT_TOKEN'));
  return runLaunchCheck(DISCORD_PINS_TITLE, { ...options, secrets: [settings.discord.botToken] }, async (ctx) => {
    const pins = await channelRequest(ctx, settings, (id) => `/channels/${id}/pins`);
    if ('dead' in pins) return { state: 'fail', summary: pins.dead };
    return pins.length > 0
      ? { state: 'pass', summary: `${pins.length} pinned message(s)` }
      : { state: 'fail', summary: 'no pinned message: pin the ground rules' };
  });
}

/** Hour 1, with DISCORD_BOT_TOKEN: a message from someone other than a bot since `since` (the first sent_at). */
export function discordMessagesSinceCheck(
  settings: LaunchSettings,
  start: LaunchStart | Date | null,
  options: ProbeOptions = {},
): Promise<LaunchCheck> {
  // a bare date is the first sent_at, as callers passed it before LaunchStart said what the moment is
  const window = start instanceof Date ? { at: start, what: 'the first invitation email sent' } : start;
  const since = window?.at ?? null;
  if (!settings.discord.inviteUrl || !settings.discord.botToken)
    return Promise.resolve(notConfiguredCheck(DISCORD_MESSAGES_TITLE, 'DISCORD_URL and DISCORD_BOT_TOKEN'));
  return runLaunchCheck(DISCORD_MESSAGES_TITLE, { ...options, secrets: [settings.discord.botToken] }, async (ctx) => {
    if (!since) throw new ProbeProblem('no_data', 'no invite has been sent yet (no sent_at in the database)');
    const messages = await channelRequest(
      ctx,
      settings,
      (id) => `/channels/${id}/messages?after=${snowflakeAt(since)}&limit=${MESSAGES_PAGE}`,
    );
    if ('dead' in messages) return { state: 'fail', summary: messages.dead };
    const human = (messages as { author?: { bot?: unknown } }[]).filter((m) => m.author?.bot !== true);
    if (human.length > 0) return { state: 'pass', summary: `${human.length} message(s) ${launchWindowText(window)}` };
    // A full page of bots (a welcome bot greeting each tester who joins): the messages after it were not read.
    if (messages.length >= MESSAGES_PAGE)
      throw new ProbeProblem(
        'no_data',
        `the first ${messages.length} messages ${launchWindowText(window)} are all from bots; the later ones were not read`,
      );
    return { state: 'fail', summary: `no message from a tester ${launchWindowText(window)}` };
  });
}
