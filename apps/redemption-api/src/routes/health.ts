import type { Connection } from '@veza/invites-db';
import { assertReady } from '@veza/invites-db';
import { withinDatabaseDeadline } from '../db-deadline.js';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** How long a passed readiness check stands for the next /readyz. */
export const READY_KEPT_MS = 1_000;

/**
 * The readiness check, shared: callers that arrive while one runs await it,
 * and a pass stands for `keptMs` (a failure does not: the next call checks
 * again). /readyz is not rate limited (probes, the proxy's health checks) and
 * one check costs the database about six lookups: unshared, a client asking it
 * in a loop loaded the database more than lookups could.
 */
export function sharedCheck(check: () => Promise<void>, keptMs: number = READY_KEPT_MS): () => Promise<void> {
  let running: Promise<void> | null = null;
  let passedAt = -Infinity;
  return () => {
    if (running) return running;
    if (performance.now() - passedAt < keptMs) return Promise.resolve();
    running = check().then(
      () => {
        passedAt = performance.now();
        running = null;
      },
      (error: unknown) => {
        running = null;
        throw error;
      },
    );
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
    await withinDatabaseDeadline(ready());
    return { status: 'ready', database: opts.conn.kind };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
