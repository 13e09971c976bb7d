/**
 * npm run api: config from the environment, database, server, listen; SIGTERM
 * and SIGINT drain in-flight requests, then close the database.
 * Exit codes: 0 stopped cleanly, 1 unexpected failure or shutdown timeout,
 * 3 configuration error, 4 database unreachable at start (or, embedded, held by another process).
 */
import { resolve } from 'node:path';
import {
  DEFAULT_DATA_DIR,
  DatabaseUnreachableError,
  InvitesDbError,
  assertReady,
  dataDirMissing,
  openDatabase,
  openOptionsFromEnv,
} from '@veza/invites-db';
import { MailerError, openOutboxSender, runOutboxLoop, transportFromEnv } from '@veza/invite-mailer';
import type { OutboxLoop, OutboxSender, Transport } from '@veza/invite-mailer';
import { welcomeEmlBuilder } from '@veza/invite-mailer/welcome';
import { SETTINGS_EXIT_CODE, formatProblems, loadEnv, misspelledSettingWarnings, settingSources } from '@veza/settings';
import { CONFIG_VARIABLES, DEFAULTS, parseConfig } from './config.js';
import type { Config } from './config.js';
import { stdoutLog } from './log-destination.js';
import type { StdoutLog } from './log-destination.js';
import { buildServer } from './server.js';

/** How often the welcome outbox is looked at when no redemption nudges it (a queued email left by another replica or a restart). */
const OUTBOX_INTERVAL_MS = 10_000;
/** A drain behind a backlog says how far it is every this many emails (its summary comes only at its end). */
const OUTBOX_PROGRESS_EVERY = 100;

interface WelcomeSending {
  transport: Transport;
  sender: OutboxSender;
  loop: OutboxLoop;
  stop(): Promise<void>;
}

const EXIT = { ok: 0, failure: 1, config: SETTINGS_EXIT_CODE, database: 4 } as const;

/** The log on stdout, once the server is built: its last lines are written out before the exit (log-destination.ts). */
let log: StdoutLog | undefined;

// stderr carries the start's warnings and errors only (the log is on stdout). On a full disk or with its reader
// gone (2> /dev/full, 2>&1 | head) a warning was an uncaught error: the API died at start, exit 1, saying nothing.
// Its loss is dropped: a configuration error still ends the start by its exit code (3, 4).
process.stderr.on('error', () => undefined);

async function main(): Promise<number> {
  // The process environment wins; .env in the working directory fills in the rest (as the CLI and the monitor do).
  const loaded = loadEnv();
  // A misspelled setting (DATABSE_URL in the .env): said at start, before the API serves the embedded database instead.
  for (const warning of misspelledSettingWarnings(loaded)) process.stderr.write(`redemption-api: warning: ${warning}\n`);
  const parsed = parseConfig(loaded.env);
  if (!parsed.ok) {
    process.stderr.write(formatProblems(parsed.problems, { app: 'redemption-api' }));
    return EXIT.config;
  }
  const config = parsed.value;
  // The welcome email's mailer, checked before anything starts: a SMTP_URL or a SEND_CMD it refuses is a
  // setting to fix (exit 3), as in every CLI command, not "an unexpected failure (this is a bug)" with a stack.
  let welcomeTransport: Transport | undefined;
  try {
    if (config.welcome)
      // The whole environment, as the CLI gives its mailers: transportFromEnv takes the secrets out for SEND_CMD.
      // (Only PATH and HOME before: a SEND_CMD that read its own variable worked from `outbox drain` and not here.)
      welcomeTransport = transportFromEnv({ ...loaded.env, ...config.welcome.transportEnv }, 1);
  } catch (error) {
    if (!(error instanceof MailerError)) throw error;
    process.stderr.write(`redemption-api: configuration error: ${error.message} (${error.code})\n`);
    return EXIT.config;
  }

  let conn;
  const open = openOptionsFromEnv(loaded.env);
  try {
    conn = await openDatabase({ ...open, statementTimeoutMs: DEFAULTS.statementTimeoutMs });
  } catch (error) {
    // An embedded database another process holds (a second `npm run api`, a restart while the old one still
    // stops) is not a bug either: its message names the holder and what to do (it was "this is a bug", exit 1).
    if (error instanceof DatabaseUnreachableError || (error instanceof InvitesDbError && error.code === 'INVITES_DB_BUSY')) {
      process.stderr.write(`redemption-api: ${error.message}\n`);
      return EXIT.database;
    }
    throw error;
  }

  let welcome: WelcomeSending | undefined;
  log = stdoutLog();
  const app = await buildServer({ config, conn, logStream: log.stream, onWelcomeQueued: () => welcome?.loop.nudge() });
  // Signals stop gracefully from here on. The welcome sender starts before the server listens (and the readiness
  // check between may wait for its statement timeout): a SIGTERM then (a deploy restarting at once) ended the
  // process by Node's default, the welcome email it had with the mailer left "unknown". Kept until `stop` exists.
  // `on`, not `once`: Ctrl-C signals the whole process group, so the launcher's forwarded copy arrives too; a
  // second signal must not fall back to Node's default (exit without draining).
  let requested: NodeJS.Signals | undefined;
  let onSignal: (signal: NodeJS.Signals) => void = (signal) => void (requested ??= signal);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, (received) => onSignal(received));
  if (config.welcome && welcomeTransport) welcome = await startWelcomeSending(config.welcome, welcomeTransport, conn, app.log);
  let notReady: string | null = null;
  await assertReady(conn).catch((error: Error) => {
    notReady = error.message;
    app.log.warn({ target: conn.target }, `not ready: ${error.message}`);
  });
  // Prepared on the embedded database, then DATABASE_URL set: every code of those emails is INVITE_NOT_FOUND here.
  const embedded = resolve(open.dataDir ?? DEFAULT_DATA_DIR);
  if (open.databaseUrl && !dataDirMissing(embedded))
    app.log.warn(
      { embedded },
      `an embedded database is also in ${embedded}, and this API uses ${conn.target} (DATABASE_URL): invites prepared on the embedded one are not found here (INVITE_NOT_FOUND); start the API without DATABASE_URL to serve them, or prepare them on PostgreSQL`,
    );
  // a signal before this point: the server never listens, and shuts down as below
  if (requested === undefined) {
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (error) {
      const said = listenProblem(error, config.host, config.port);
      if (!said) throw error;
      // a setting to fix, as a bad PORT is: not "an unexpected failure (this is a bug)" with a stack, exit 1
      process.stderr.write(`redemption-api: configuration error: ${said}\n`);
      await app.close();
      await welcome?.stop();
      await conn.close();
      return EXIT.config;
    }
    const address = app.server.address();
    // Names and origins only: where each setting came from, never a value of ADMIN_TOKEN or a password.
    const from = settingSources(loaded, CONFIG_VARIABLES);
    app.log.info(
      {
        database: conn.target,
        port: typeof address === 'object' && address ? address.port : config.port,
        admin: config.adminToken ? 'on' : 'off',
        rateLimitStore: app.rateLimitStoreKind,
        corsOrigins: config.corsOrigins,
        welcomeEmail: welcome ? welcome.transport.description : 'off',
        envFile: loaded.file ?? 'none',
        from,
      },
      // "ready" only when it is: /readyz answers 503 until the database is migrated (and writable)
      `redemption-api ${notReady === null ? 'ready' : 'listening, NOT ready (/readyz answers 503 until it is; see the warning above)'}: ${conn.target}, port ${typeof address === 'object' && address ? address.port : config.port}`,
    );
  }

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
        .then(() => welcome?.stop())
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
    onSignal = stop;
    if (requested !== undefined) stop(requested);
  });
}

/**
 * WELCOME_EMAIL=1: this process sends the welcome emails redemptions queue
 * (@veza/invite-mailer's outbox sender, the same exactly-once claims as
 * invite dispatch, so replicas and \`veza-beta outbox drain\` can run at once).
 * Logs counts and outbox ids only: never a code, an address or a password.
 */
async function startWelcomeSending(
  welcome: NonNullable<Config['welcome']>,
  transport: Transport,
  conn: Parameters<typeof openOutboxSender>[0],
  log: { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void },
): Promise<WelcomeSending> {
  // this drain's emails so far (its events count from 1 at each drain)
  const progress = { sent: 0, failed: 0 };
  const sender = await openOutboxSender(conn, transport, {
    from: welcome.settings.from.address,
    buildEml: welcomeEmlBuilder(welcome.settings),
    onEvent: (event) => {
      if (event.claimedBy === undefined) return; // not a send of this drain: another sender's claim, listed at its end
      if (event.done === 1) progress.sent = progress.failed = 0;
      if (event.type === 'sent') progress.sent++;
      else progress.failed++;
      if (event.done % OUTBOX_PROGRESS_EVERY === 0)
        log.info({ done: event.done, ...progress }, 'welcome outbox drain in progress (a backlog): the summary comes at its end');
    },
  });
  // the unknown and given-up emails stay so from drain to drain: said when the set changes, not every 10 s
  const unknownIds = changedSet();
  const givenUpIds = changedSet();
  // This sender's own unknown ones (its mailer killed after it had the message) keep their claim while it runs,
  // and its next drains leave them out of `unknown` (reported by the drain that met them): kept here, or the
  // next drain said "no welcome email with an unknown outcome any more" of one that still was.
  const ownUnknown = new Set<string>();
  const loop = runOutboxLoop(sender, {
    intervalMs: OUTBOX_INTERVAL_MS,
    onSummary: (summary) => {
      if (summary.sent > 0) log.info({ sent: summary.sent }, 'welcome emails sent');
      if (summary.failed.length > 0)
        log.warn(
          { failed: summary.failed.map((f) => ({ id: f.id, response: f.response })) },
          'welcome emails failed; retried at the next drain',
        );
      for (const u of summary.unknown) if (u.claimedBy === sender.worker) ownUnknown.add(u.id);
      const unknown = [...new Set([...summary.unknown.map((u) => u.id), ...ownUnknown])];
      // `outbox drain --resend-unknown` leaves the claims of a live sender alone (in flight elsewhere): this API's
      // own stay its own until it stops, so the advice says so rather than send the operator to a command that
      // would resend nothing
      const own = unknown.filter((id) => ownUnknown.has(id));
      unknownIds.whenChanged(
        unknown,
        () =>
          log.warn(
            { unknown, own, count: unknown.length },
            own.length === 0
              ? "welcome emails with an unknown outcome (a sender died mid-send): not resent; check the relay's log, then 'veza-beta outbox drain --resend-unknown' if they never left (said again only when they change)"
              : "welcome emails with an unknown outcome (a sender died mid-send, or this API's mailer was killed after it had the message: `own`): not resent; check the relay's log, then 'veza-beta outbox drain --resend-unknown' if they never left, which resends this API's own only once it is stopped or restarted (while it runs their claims are its own) (said again only when they change)",
          ),
        () => log.info({ unknown: [], count: 0 }, 'no welcome email with an unknown outcome any more'),
      );
      givenUpIds.whenChanged(
        summary.exhausted.map((e) => e.id),
        () =>
          log.error(
            {
              givenUp: summary.exhausted.map((e) => ({ id: e.id, attempts: e.attempts, lastError: e.lastError })),
              count: summary.exhausted.length,
            },
            "welcome emails given up (refused at every attempt): not tried again; see 'veza-beta outbox drain --max-attempts N' (said again only when they change)",
          ),
        () => log.info({ givenUp: [], count: 0 }, 'no welcome email given up any more'),
      );
      if (summary.stopped)
        log.error({ response: summary.stopped.response }, 'welcome email transport fails the same way every time; fix SMTP_URL / SEND_CMD');
      if (summary.lockLost)
        log.warn(
          { lockLost: true },
          'the welcome outbox sender lost its database lock (the database restarted, or its session was ended or cut): that drain claimed nothing more, the next one takes a new lock',
        );
    },
    onError: (error) =>
      log.warn({ err: error instanceof Error ? error.message : String(error) }, 'welcome outbox drain failed; retried later'),
  });
  return {
    transport,
    sender,
    loop,
    stop: async () => {
      // close first: a drain under way ends after its email in flight instead of claiming the rest
      // (they stay queued for the next process; waiting for them all outlasted the shutdown deadline)
      const closing = sender.close();
      await loop.stop();
      await closing;
      await transport.close();
    },
  };
}

/** What a listen error says of HOST and PORT, or null for one that is not about them. */
function listenProblem(error: unknown, host: string, port: number): string | null {
  const code = (error as { code?: unknown }).code;
  if (code === 'EADDRINUSE')
    return `cannot listen (EADDRINUSE): PORT=${port} on ${host} is in use by another process: stop it, or set another PORT`;
  if (code === 'EADDRNOTAVAIL')
    return `cannot listen (EADDRNOTAVAIL): HOST=${host} is not an address of this machine (an IPv6 link-local one needs its interface, fe80::…%eth0): use one of its addresses, or 0.0.0.0 / :: for all`;
  // the kernel refuses a link-local address without its interface before it looks whether the machine has it
  if (code === 'EINVAL' && /^fe[89ab][0-9a-f]:/i.test(host) && !host.includes('%'))
    return `cannot listen (EINVAL): HOST=${host} is an IPv6 link-local address without its interface: add it (${host}%eth0), or use another address, or :: for all`;
  if (code === 'EACCES')
    return `cannot listen (EACCES): PORT=${port} is below 1024 and this user may not bind it: use a PORT of 1024 or more behind the proxy`;
  return null;
}

/**
 * Remembers a set of ids: `whenChanged` calls `some` (ids left) or `none` (the set emptied) only when the
 * ids given differ from the last ones (the first empty set is no change).
 */
function changedSet(): { whenChanged(ids: readonly string[], some: () => void, none: () => void): void } {
  let last = '';
  return {
    whenChanged: (ids, some, none) => {
      const now = [...ids].sort().join(',');
      if (now === last) return;
      last = now;
      if (ids.length > 0) some();
      else none();
    },
  };
}

main().then(
  async (code) => {
    await log?.writtenOut();
    process.exit(code);
  },
  async (error: unknown) => {
    process.stderr.write(
      `redemption-api: unexpected failure (this is a bug): ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    await log?.writtenOut();
    process.exit(EXIT.failure);
  },
);
