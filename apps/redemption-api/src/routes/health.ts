import type { Connection } from '@veza/invites-db';
import { assertReady } from '@veza/invites-db';
import { withinDatabaseDeadline } from '../db-deadline.js';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../errors.js';
import type { Metrics } from '../metrics.js';

/** /healthz: the process answers. /readyz: the database answers and is migrated, and we are not draining. /metrics. */
// eslint-disable-next-line @typescript-eslint/require-await -- fastify runs an async plugin to its end; a sync one would have to call done()
export async function healthRoutes(
  app: FastifyInstance,
  opts: { conn: Connection; metrics: Metrics; draining: () => boolean },
): Promise<void> {
  app.get('/healthz', () => ({ status: 'ok' }));

  app.get('/readyz', async () => {
    if (opts.draining()) throw new ApiError('SHUTTING_DOWN');
    await withinDatabaseDeadline(assertReady(opts.conn));
    return { status: 'ready', database: opts.conn.kind };
  });

  app.get('/metrics', async (_req, reply) => {
    reply.type(opts.metrics.registry.contentType);
    return opts.metrics.registry.metrics();
  });
}
