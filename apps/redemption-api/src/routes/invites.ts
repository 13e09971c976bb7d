import type { Connection, InviteSummary, LookupResult } from '@veza/invites-db';
import { UUID_PATTERN } from '@veza/invite-rules';
import { lookupInvite, parseCode, purgeRateLimitWindows, redeemInvite, settleRateLimitHits } from '@veza/invites-db';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Config } from '../config.js';
import { withinDatabaseDeadline } from '../db-deadline.js';
import { ApiError } from '../errors.js';
import { isoDate } from '../iso-date.js';
import type { ErrorCode } from '../errors.js';
import { outcomeCounter } from '../metrics.js';
import type { Metrics } from '../metrics.js';
import { parseBody } from '../parse-body.js';
import { LocalCounter } from '../local-rate-limit-store.js';
import { rateLimitHook } from '../rate-limit-hook.js';
import type { RateCounter } from '../rate-limit-hook.js';
import { SharedCounter } from '../shared-rate-limit-store.js';

/** How often a replica sends its locally counted hits to PostgreSQL, in milliseconds. */
export const RATE_LIMIT_FLUSH_MS = 1_000;
/** How long a request waits for its bucket's settle before it is counted locally (the database frozen or unreachable). */
export const RATE_LIMIT_SETTLE_WAIT_MS = 1_000;
const RATE_LIMIT_WINDOW_MS = 60_000;

const redeemBody = z
  .object({
    code: z.string(),
    userId: z.string().regex(UUID_PATTERN, 'must be a UUID').nullable().optional(),
  })
  .strict();

const STATE_ERROR: Record<Exclude<LookupResult['state'], 'valid'>, ErrorCode> = {
  unknown: 'INVITE_UNKNOWN',
  used: 'INVITE_USED',
  expired: 'INVITE_EXPIRED',
  revoked: 'INVITE_REVOKED',
};

/** a***@example.org: enough for a person to recognise their address, too little to harvest one. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

function codeOrThrow(input: string, count: (outcome: 'malformed') => void): string {
  const parsed = parseCode(input);
  if (!parsed.ok) {
    count('malformed');
    throw new ApiError(
      'INVITE_MALFORMED',
      `This is not an invite code: it ${parsed.reason === 'too long' ? 'is too long' : parsed.reason}; a code is 16 characters, e.g. XXXX-XXXX-XXXX-XXXX.`,
    );
  }
  return parsed.code;
}

/**
 * What anyone holding the code may see before spending it: the masked address and the expiry. The cohort label is
 * the team's own word for a group ("staff", "press-friends"), not the invited person's: a lookup is public and a
 * link can be forwarded, so it is left out (the redeem's answer, to whoever spent the code, keeps it for the
 * backend that files the account).
 */
const lookedUpInvite = (invite: InviteSummary) => ({
  email: maskEmail(invite.email),
  expiresAt: isoDate(invite.expiresAt),
});

/** GET /v1/invites/:code and POST /v1/invites/redeem, sharing one rate-limit bucket per client. */
export function inviteRoutes(
  app: FastifyInstance,
  opts: {
    config: Readonly<Config>;
    conn: Connection;
    metrics: Metrics;
    sharedRateLimit: boolean;
    onWelcomeQueued?: (() => void) | undefined;
  },
): Promise<void> {
  const { conn, metrics } = opts;
  const countLookup = outcomeCounter(metrics, metrics.lookups);
  const countRedemption = outcomeCounter(metrics, metrics.redemptions);
  // PostgreSQL: the counters are shared by every replica (settled in batches); embedded: one process, in memory.
  // Both count the same way: fixed windows aligned on the clock, one Map entry per client of the
  // current window, synchronous. (@fastify/rate-limit's own memory store kept 5,000 clients in an
  // LRU: past that, an evicted client's count started again.)
  let counter: RateCounter;
  if (opts.sharedRateLimit) {
    const shared = new SharedCounter({
      settle: (batch) => settleRateLimitHits(conn.db, batch),
      purge: (before) => purgeRateLimitWindows(conn.db, before),
      max: opts.config.rateLimitPerMinute,
      windowMs: RATE_LIMIT_WINDOW_MS,
      flushIntervalMs: RATE_LIMIT_FLUSH_MS,
      settleWaitMs: RATE_LIMIT_SETTLE_WAIT_MS,
    });
    app.addHook('onClose', async () => shared.close());
    counter = shared;
  } else {
    counter = new LocalCounter(RATE_LIMIT_WINDOW_MS);
  }
  // in this plugin's scope only: the two invite routes
  app.addHook('onRequest', rateLimitHook(counter, opts.config.rateLimitPerMinute));

  app.get<{ Params: { code: string } }>('/v1/invites/:code', async (req) => {
    // GET of the redeem route itself is a wrong method, not a malformed code
    if (req.params.code === 'redeem') throw new ApiError('METHOD_NOT_ALLOWED', undefined, { allow: 'POST' });
    const code = codeOrThrow(req.params.code, countLookup);
    const result = await withinDatabaseDeadline(lookupInvite(conn.db, code));
    countLookup(result.state);
    if (result.state !== 'valid') throw new ApiError(STATE_ERROR[result.state]);
    return { invite: { state: 'valid', ...lookedUpInvite(result.invite) } };
  });

  app.post('/v1/invites/redeem', async (req) => {
    const body = parseBody(redeemBody, req.body);
    const code = codeOrThrow(body.code, countRedemption);
    // WELCOME_EMAIL=1: the welcome email is queued in the redemption's transaction, sent by the outbox loop.
    const queueWelcome = opts.config.welcome !== undefined;
    const result = await withinDatabaseDeadline(redeemInvite(conn.db, code, body.userId ?? null, { queueWelcome }));
    if (!result.ok) {
      countRedemption(result.state);
      if (result.state === 'valid') throw new ApiError('INTERNAL'); // unreachable: the atomic update matched nothing but the row is live
      throw new ApiError(STATE_ERROR[result.state]);
    }
    countRedemption('redeemed');
    if (queueWelcome) opts.onWelcomeQueued?.();
    const invite = result.invite;
    return {
      invite: {
        state: 'redeemed',
        id: invite.id,
        cohort: invite.cohort,
        ...lookedUpInvite(invite),
        redeemedAt: isoDate(invite.usedAt ?? new Date()),
      },
    };
  });
  return Promise.resolve();
}
