import type { Connection } from '@veza/invites-db';
import { assertReady } from '@veza/invites-db';
import { withinDatabaseDeadline } from '../db-deadline.js';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/**
 * The readiness check, one at a time: callers that arrive while one runs
 * await its answer instead of starting their own. /readyz is not rate limited
 * (probes, a proxy's health checks) and one check costs the database about six
 * lookups: unshared, clients asking it at once loaded the database more than
 * lookups could. Nothing is kept once it has answered, so /readyz says 503 as
 * soon as the database stops answering; a check that has not answered by the
 * database deadline (`deadlineMs`, DATABASE_DEADLINE_MS by default) is given
 * up, and the next call starts a fresh one.
 */
export function sharedCheck(check: () => Promise<void>, deadlineMs?: number): () => Promise<void> {
  let running: Promise<void> | null = null;
  return () => {
    // bounded itself: a check stuck on a dead connection would otherwise hold every later /readyz at 503
    running ??= withinDatabaseDeadline(check(), deadlineMs).finally(() => {
      running = null;
    });
    return running;
  };
}

/** /healthz: the process answers. /readyz: the database answers and is migrated, and we are not draining. /metrics. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify runs an async plugin to its end; a sync one would have to call done()
export async function healthRoutes(
  app: FastifyInstance,
  opts: { conn: Connection; metrics: Metrics; draining: () => boolean },
): Promise<void> {
  app.get('/healthz', () => ({ status: 'ok' }));

  const ready = sharedCheck(() => assertReady(opts.conn));
  app.get('/readyz', async () => {
    if (opts.draining()) throw new ApiError('SHUTTING_DOWN');
    await ready();
    return { status: 'ready', database: opts.conn.kind };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
