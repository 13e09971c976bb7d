import type { Connection } from '@veza/invites-db';
import { inviteReport, revokeInvites } from '@veza/invites-db';
import { withinDatabaseDeadline } from '../db-deadline.js';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { bearerChecker } from '../admin-auth.js';
import { clientKey } from '../client-key.js';
import type { Config } from '../config.js';
import { ApiError, ERROR_MESSAGE } from '../errors.js';
import { failureLimiter } from '../failure-limiter.js';
import { parseBody } from '../parse-body.js';

const revokeBody = z.union([z.object({ code: z.string().max(64) }).strict(), z.object({ email: z.string().max(320) }).strict()]);

/**
 * GET /v1/admin/report and POST /v1/admin/revoke. Without ADMIN_TOKEN they do
 * not exist for callers (404 ADMIN_DISABLED), they are never open. After
 * DEFAULTS.adminFailuresPerMinute (10) failed attempts a client gets 429 for the rest of the minute.
 */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify runs an async plugin to its end; a sync one would have to call done()
export async function adminRoutes(app: FastifyInstance, opts: { config: Readonly<Config>; conn: Connection }): Promise<void> {
  const { conn } = opts;
  const token = opts.config.adminToken;
  const authorized = token ? bearerChecker(token) : () => false;

  const failures = failureLimiter(opts.config.adminFailuresPerMinute);

  // eslint-disable-next-line @typescript-eslint/require-await -- fastify treats a sync onRequest hook as callback-style (waits for done); this one throws to reject
  app.addHook('onRequest', async (req) => {
    if (!token) throw new ApiError('ADMIN_DISABLED');
    // Checked before the token, so that a client over its failures learns nothing more, even with the right one.
    const client = clientKey(req.ip);
    const wait = failures.retryAfter(client);
    if (wait > 0)
      throw new ApiError('RATE_LIMITED', `Too many failed admin attempts; try again in ${wait} seconds.`, { 'retry-after': String(wait) });
    if (!authorized(req.headers.authorization)) {
      failures.fail(client);
      throw new ApiError('ADMIN_UNAUTHORIZED', undefined, { 'www-authenticate': 'Bearer realm="veza-admin"' });
    }
  });

  app.get('/v1/admin/report', async () => withinDatabaseDeadline(inviteReport(conn.db)));

  // Nothing matched is 404, as `invites revoke` exits 1: a mistyped code must not read as revoked.
  // Matched but already used or revoked is 200: `untouched` says which and why.
  app.post('/v1/admin/revoke', async (req) => {
    const target = parseBody(revokeBody, req.body);
    const result = await withinDatabaseDeadline(revokeInvites(conn.db, target));
    if (result.revoked.length === 0 && result.untouched.length === 0)
      throw new ApiError('INVITE_UNKNOWN', 'code' in target ? ERROR_MESSAGE.INVITE_UNKNOWN : 'No invite has this email address.');
    return result;
  });
}
