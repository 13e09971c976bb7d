import { isIP } from 'node:net';
import { emailSettingsFromEnv, htmlEntityProblem } from '@veza/email-templates';
import type { EmailSettings } from '@veza/email-templates';
import { DATABASE_SETTINGS_SCHEMA, databaseSettingsProblems } from '@veza/invites-db';
import { commaListField, httpUrlField, parseSettings, positiveNumberField, SECRET_SETTINGS, wholeNumberField } from '@veza/settings';
import type { Validation } from '@veza/settings';
import { problemText } from '@veza/invite-rules';
import { z } from 'zod';

/** Every default of the service, in one place. */
export const DEFAULTS = Object.freeze({
  /** TCP port */
  port: 8080,
  /** listen address: loopback unless told otherwise */
  host: '127.0.0.1',
  /** lookups + redeems per client IP per minute: enough for a person, too few to guess 80-bit codes */
  rateLimitPerMinute: 30,
  /** request body limit in bytes: {code, userId} needs < 200 */
  bodyLimitBytes: 4096,
  logLevel: 'info',
  /** trust X-Forwarded-For: off unless the service is behind a known proxy */
  trustProxy: false,
  /** admin token minimum length in characters */
  adminTokenMinLength: 24,
  /** admin token minimum estimated entropy in bits (length × Shannon entropy of its characters); `openssl rand -base64 32` gives ≈ 200, 24 identical characters 0 */
  adminTokenMinBits: 64,
  /** failed admin attempts (wrong or missing token) per client IP per minute before 429 */
  adminFailuresPerMinute: 10,
  /** how long SIGTERM waits for in-flight requests before giving up, in milliseconds */
  shutdownTimeoutMs: 10_000,
  /** per-statement database time limit in milliseconds (postgres only) */
  statementTimeoutMs: 5_000,
  /** a request that takes longer is answered 408, in milliseconds */
  requestTimeoutMs: 15_000,
});

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** Read only to send the welcome email (WELCOME_EMAIL=1): the email settings and the transport. */
const WELCOME_VARIABLES = [
  'SMTP_URL',
  'SEND_CMD',
  'SEND_TIMEOUT',
  'FRONTEND_URL',
  'MAIL_FROM',
  'MAIL_REPLY_TO',
  'MAIL_UNSUBSCRIBE',
] as const;

const integer = wholeNumberField;

const origin = z.string().transform((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not a URL (expected e.g. https://veza.fm)` });
    return z.NEVER;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.pathname !== '/' || url.search || url.hash || url.username) {
    ctx.addIssue({ code: 'custom', message: `"${text}" is not an origin (scheme://host[:port], no path)` });
    return z.NEVER;
  }
  return url.origin;
});

const trustProxy = z.string().transform((text, ctx): false | number | string[] => {
  if (text === 'true') {
    // fastify's `true` takes the left-most X-Forwarded-For address, which the client writes itself.
    ctx.addIssue({
      code: 'custom',
      message:
        "true is refused: it trusts every X-Forwarded-For hop, so any client picks its own rate-limit key; behind one load balancer use 1, or the load balancer's address or CIDR",
    });
    return z.NEVER;
  }
  if (text === 'false') return false;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((s) => s.trim());
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const version = isIP(address ?? '');
    const maxBits = version === 6 ? 128 : 32;
    if (!version || extra !== undefined || (bits !== undefined && !(/^\d+$/.test(bits) && Number(bits) <= maxBits))) {
      ctx.addIssue({ code: 'custom', message: `"${entry}" is not false, a hop count, or an IP/CIDR list` });
      return z.NEVER;
    }
  }
  return entries;
});

/** Why a token cannot be the admin token (the first reason only), or undefined; never quotes the token. */
export function adminTokenProblem(token: string): string | undefined {
  const advice = 'generate one with: openssl rand -base64 32';
  if (token.length < DEFAULTS.adminTokenMinLength) return `must be at least ${DEFAULTS.adminTokenMinLength} characters (${advice})`;
  if (/\s/.test(token))
    return `must not contain whitespace: an Authorization header cannot carry it, so the token could never match (${advice})`;
  if (estimatedBits(token) < DEFAULTS.adminTokenMinBits)
    return `has too little entropy (under ${DEFAULTS.adminTokenMinBits} bits, estimated from how often its characters repeat); ${advice}`;
  return undefined;
}

/**
 * A link the signup page shows every visitor: no login in it (the welcome email's rule too), no backslash (read as a
 * slash: another host), no HTML character reference (`&amp;`: the page escapes it once more, as the emails would).
 */
const link = httpUrlField()
  .refine((text) => {
    try {
      const url = new URL(text);
      return !url.username && !url.password && !text.includes('\\');
    } catch {
      return true; // httpUrlField said why
    }
  }, 'must not contain a user name or password (every visitor of the signup page would see it) or a backslash')
  .superRefine((text, ctx) => {
    const problem = htmlEntityProblem(text);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

/** The welcome email's settings (email-templates' own schema) from the API's variables. */
function welcomeEmailSettings(
  v: Partial<Record<'FRONTEND_URL' | 'FEEDBACK_URL' | 'DISCORD_URL' | 'MAIL_FROM' | 'MAIL_REPLY_TO' | 'MAIL_UNSUBSCRIBE', string>>,
) {
  const { FRONTEND_URL, FEEDBACK_URL, DISCORD_URL, MAIL_FROM, MAIL_REPLY_TO, MAIL_UNSUBSCRIBE } = v;
  return emailSettingsFromEnv({ FRONTEND_URL, FEEDBACK_URL, DISCORD_URL, MAIL_FROM, MAIL_REPLY_TO, MAIL_UNSUBSCRIBE });
}

const schema = z
  .object({
    // the database settings of every app, stated once in @veza/invites-db
    ...DATABASE_SETTINGS_SCHEMA.shape,
    PORT: integer(0, 65535).default(DEFAULTS.port),
    HOST: z
      .string()
      .refine((h) => isIP(h) !== 0 || /^[a-z0-9.-]+$/i.test(h), 'must be an IP address or a host name')
      .default(DEFAULTS.host),
    CORS_ORIGINS: commaListField.pipe(z.array(origin)).default([]),
    ADMIN_TOKEN: z
      .string()
      .refine((token) => adminTokenProblem(token) === undefined, { error: (issue) => adminTokenProblem(String(issue.input)) })
      .optional(),
    RATE_LIMIT_PER_MINUTE: integer(1, 1_000_000_000).default(DEFAULTS.rateLimitPerMinute),
    BODY_LIMIT_BYTES: integer(64, 1_048_576).default(DEFAULTS.bodyLimitBytes),
    LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
    TRUST_PROXY: trustProxy.default(DEFAULTS.trustProxy),
    SHUTDOWN_TIMEOUT_MS: integer(0, 600_000).default(DEFAULTS.shutdownTimeoutMs),
    FEEDBACK_URL: link.optional(),
    DISCORD_URL: link.optional(),
    WELCOME_EMAIL: z.enum(['0', '1'], { message: 'must be 1 (queue and send the welcome email after a redemption) or 0' }).default('0'),
    // checked by @veza/invite-mailer and @veza/email-templates when WELCOME_EMAIL=1
    SMTP_URL: z.string().optional(),
    SEND_CMD: z.string().optional(),
    SEND_TIMEOUT: positiveNumberField('must be a positive number of seconds').optional(),
    FRONTEND_URL: z.string().optional(),
    MAIL_FROM: z.string().optional(),
    MAIL_REPLY_TO: z.string().optional(),
    MAIL_UNSUBSCRIBE: z.string().optional(),
  })
  .superRefine((v, ctx) => {
    if (v.WELCOME_EMAIL !== '1') return;
    if (!v.SMTP_URL && !v.SEND_CMD)
      ctx.addIssue({
        code: 'custom',
        path: ['WELCOME_EMAIL'],
        message: 'is 1 but no transport is configured: set SMTP_URL or SEND_CMD (the API never falls back to msmtp on its own)',
      });
    const settings = welcomeEmailSettings(v);
    if (!settings.ok)
      for (const error of settings.problems)
        ctx.addIssue({
          code: 'custom',
          path: ['WELCOME_EMAIL'],
          message: `is 1 but the welcome email cannot be built: ${problemText(error)}`,
        });
  });

/** The variables the service reads (the schema's keys); anything else in the environment is not its business. */
export const CONFIG_VARIABLES: readonly string[] = Object.freeze(Object.keys(schema.shape));

export interface Config {
  database: { url: string | undefined; dataDir: string | undefined };
  port: number;
  host: string;
  corsOrigins: readonly string[];
  /** unset: the admin routes answer 404 ADMIN_DISABLED */
  adminToken: string | undefined;
  rateLimitPerMinute: number;
  bodyLimitBytes: number;
  logLevel: (typeof LOG_LEVELS)[number];
  trustProxy: false | number | string[];
  shutdownTimeoutMs: number;
  /** failed admin attempts per client per minute before 429 */
  adminFailuresPerMinute: number;
  /** shown on the signup page after a successful redeem (the invitation email's links) */
  feedbackUrl: string | undefined;
  discordUrl: string | undefined;
  /** WELCOME_EMAIL=1: redemptions queue the welcome email and this process sends it (settings checked at start) */
  welcome: { settings: EmailSettings; transportEnv: Readonly<Partial<Record<(typeof WELCOME_VARIABLES)[number], string>>> } | undefined;
}

/** The shared result shape (`@veza/settings`): the config, or every problem, each `{ field: VARIABLE, message }`. */
export type ConfigResult = Validation<Readonly<Config>>;

/** Length × Shannon entropy of the token's own character frequencies: 24 identical characters give 0 bits. */
export function estimatedBits(token: string): number {
  const counts = new Map<string, number>();
  for (const ch of token) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  const length = [...token].length;
  let perChar = 0;
  for (const n of counts.values()) perChar -= (n / length) * Math.log2(n / length);
  return perChar * length;
}

/**
 * Reads the service's variables from an environment. Empty values count as
 * unset, except DATABASE_URL's and, without one, VEZA_DATA_DIR's (refused). Never echoes ADMIN_TOKEN or DATABASE_URL back in a message.
 */
export function parseConfig(env: Readonly<Record<string, string | undefined>>): ConfigResult {
  // ADMIN_TOKEN is kept as given: surrounding whitespace would never match a header either.
  const parsed = parseSettings(schema, env, { secrets: SECRET_SETTINGS, untrimmed: ['ADMIN_TOKEN'], showValues: true });
  // a blank DATABASE_URL (or VEZA_DATA_DIR, without one) is not unset here either, nor is a VEZA_DATA_DIR that names
  // the database folder itself: the API would serve another database
  const blanks = databaseSettingsProblems(env);
  if (blanks.length > 0) return { ok: false, problems: [...blanks, ...(parsed.ok ? [] : parsed.problems)], warnings: [] };
  if (!parsed.ok) return parsed;
  const v = parsed.value;
  const welcomeSettings = v.WELCOME_EMAIL === '1' ? welcomeEmailSettings(v) : undefined;
  const transportEnv = Object.fromEntries(
    WELCOME_VARIABLES.filter((name) => v[name] && (name === 'SMTP_URL' || name === 'SEND_CMD' || name === 'SEND_TIMEOUT')).map((name) => [
      name,
      v[name],
    ]),
  );
  return {
    ok: true,
    warnings: [],
    value: Object.freeze({
      database: Object.freeze({ url: v.DATABASE_URL, dataDir: v.VEZA_DATA_DIR }),
      port: v.PORT,
      host: v.HOST,
      corsOrigins: Object.freeze(v.CORS_ORIGINS),
      adminToken: v.ADMIN_TOKEN,
      rateLimitPerMinute: v.RATE_LIMIT_PER_MINUTE,
      bodyLimitBytes: v.BODY_LIMIT_BYTES,
      logLevel: v.LOG_LEVEL,
      trustProxy: v.TRUST_PROXY,
      shutdownTimeoutMs: v.SHUTDOWN_TIMEOUT_MS,
      adminFailuresPerMinute: DEFAULTS.adminFailuresPerMinute,
      feedbackUrl: v.FEEDBACK_URL,
      discordUrl: v.DISCORD_URL,
      welcome: welcomeSettings?.ok
        ? Object.freeze({ settings: welcomeSettings.value, transportEnv: Object.freeze(transportEnv) })
        : undefined,
    }),
  };
}

/** A config for tests and benches: the defaults, with overrides. */
export function testConfig(overrides: Partial<Config> = {}): Readonly<Config> {
  const result = parseConfig({});
  if (!result.ok) throw new Error('the defaults do not parse');
  return Object.freeze({ ...result.value, port: 0, logLevel: 'silent' as const, ...overrides });
}
