/**
 * npm run api: config from the environment, database, server, listen; SIGTERM
 * and SIGINT drain in-flight requests, then close the database.
 * Exit codes: 0 stopped cleanly, 1 unexpected failure or shutdown timeout,
 * 3 configuration error, 4 database unreachable at start.
 */
import { DatabaseUnreachableError, assertMigrated, openDatabase, openOptionsFromEnv, readEnv } from '@veza/invites-db';
import { CONFIG_VARIABLES, DEFAULTS, parseConfig } from './config.js';
import { buildServer } from './server.js';

const EXIT = { ok: 0, failure: 1, config: 3, database: 4 } as const;

async function main(): Promise<number> {
  // The process environment wins; .env in the working directory fills in the rest (as the CLI and the monitor do).
  const loaded = readEnv();
  const parsed = parseConfig(loaded.env);
  if (!parsed.ok) {
    for (const problem of parsed.errors) process.stderr.write(`redemption-api: configuration error: ${problem.variable} ${problem.message}\n`);
    return EXIT.config;
  }
  const config = parsed.value;

  let conn;
  try {
    conn = await openDatabase({ ...openOptionsFromEnv(loaded.env), statementTimeoutMs: DEFAULTS.statementTimeoutMs });
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
  const address = app.server.address();
  // Names and origins only: where each setting came from, never a value of ADMIN_TOKEN or a password.
  const from = Object.fromEntries(
    CONFIG_VARIABLES.filter((name) => loaded.env[name]?.trim()).map((name) => [name, loaded.fromFile.includes(name) ? loaded.file : 'environment']),
  );
  app.log.info(
    {
      database: conn.target,
      port: typeof address === 'object' && address ? address.port : config.port,
      admin: config.adminToken ? 'on' : 'off',
      rateLimitStore: app.rateLimitStoreKind,
      corsOrigins: config.corsOrigins,
      envFile: loaded.file ?? 'none',
      from,
    },
    `redemption-api ready: ${conn.target}, port ${typeof address === 'object' && address ? address.port : config.port}`,
  );

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
    // `on`, not `once`: Ctrl-C signals the whole process group, so the launcher's forwarded copy
    // arrives too; a second signal must not fall back to Node's default (exit without draining).
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, stop);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`redemption-api: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(EXIT.failure);
  },
);
