/**
 * npm run api: config from the environment, database, server, listen; SIGTERM
 * and SIGINT drain in-flight requests, then close the database.
 * Exit codes: 0 stopped cleanly, 1 unexpected failure or shutdown timeout,
 * 3 configuration error, 4 database unreachable at start.
 */
import { DatabaseUnreachableError, assertMigrated, openDatabase, openOptionsFromEnv } from '@veza/invites-db';
import { DEFAULTS, parseConfig } from './config.js';
import { buildServer } from './server.js';

const EXIT = { ok: 0, failure: 1, config: 3, database: 4 } as const;

async function main(): Promise<number> {
  const parsed = parseConfig(process.env);
  if (!parsed.ok) {
    for (const problem of parsed.errors) process.stderr.write(`redemption-api: configuration error: ${problem.variable} ${problem.message}\n`);
    return EXIT.config;
  }
  const config = parsed.value;

  let conn;
  try {
    conn = await openDatabase({ ...openOptionsFromEnv(process.env), statementTimeoutMs: DEFAULTS.statementTimeoutMs });
  } catch (error) {
    if (error instanceof DatabaseUnreachableError) {
      process.stderr.write(`redemption-api: ${error.message}\n`);
      return EXIT.database;
    }
    throw error;
  }

  const app = await buildServer({ config, conn });
  await assertMigrated(conn).catch((error: Error) => app.log.warn({ target: conn.target }, `not ready: ${error.message}`));
  await app.listen({ port: config.port, host: config.host });
  app.log.info({ database: conn.target, admin: config.adminToken ? 'on' : 'off', corsOrigins: config.corsOrigins }, 'redemption-api ready');

  return new Promise<number>((resolve) => {
    let stopping = false;
    const stop = (signal: NodeJS.Signals) => {
      if (stopping) return;
      stopping = true;
      app.log.info({ signal }, 'shutting down: finishing in-flight requests');
      app.startDraining();
      const timer = setTimeout(() => {
        app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'shutdown timed out');
        resolve(EXIT.failure);
      }, config.shutdownTimeoutMs);
      timer.unref();
      app
        .close()
        .then(() => conn.close())
        .then(() => {
          app.log.info('stopped: server closed, database closed');
          clearTimeout(timer);
          resolve(EXIT.ok);
        })
        .catch((error: unknown) => {
          app.log.error({ err: error }, 'shutdown failed');
          resolve(EXIT.failure);
        });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`redemption-api: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failure);
  },
);
