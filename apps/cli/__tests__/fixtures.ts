import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ctrlC } from '@veza/test-support';
import type { LaunchedProcess } from '@veza/test-support';
import { createInvites, openDatabase, redeemInvite } from '@veza/invites-db';
import type { TestBackend } from '@veza/invites-db/testing';
import { openTestDatabase } from '@veza/invites-db/testing';
import { MANIFEST_FILE } from '../src/dispatch/manifest.js';
import type { Manifest } from '../src/dispatch/manifest.js';

/** The non-empty lines of a file; none when it does not exist (a log nothing was written to). */
export const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean) : []);

/** `n` distinct test addresses: tag0@example.org, tag1@example.org… */
export const emails = (n: number, tag: string) => Array.from({ length: n }, (_, i) => `${tag}${i}@example.org`);

/** The email settings every prepare/preflight test needs (env form). */
export const SETTINGS = {
  FRONTEND_URL: 'https://beta.veza.fr',
  FEEDBACK_URL: 'https://forms.veza.fr/beta',
  DISCORD_URL: 'https://discord.gg/veza',
  MAIL_FROM: 'Veza <beta@veza.fr>',
  MAIL_REPLY_TO: 'team@veza.fr',
  MAIL_UNSUBSCRIBE: 'mailto:beta-stop@veza.fr',
};

export const FAKE_SENDMAIL = fileURLToPath(new URL('../testing/fake-sendmail.sh', import.meta.url));
const SMTP_SINK = fileURLToPath(new URL('../testing/smtp-sink-process.ts', import.meta.url));

/** A fresh migrated database for CLI child processes, and the env that points them at it. */
export async function freshDatabaseEnv(backend: TestBackend, cwd: string): Promise<NodeJS.ProcessEnv> {
  const conn = await openTestDatabase(backend, { dataDir: join(cwd, '.veza', 'db') });
  await conn.close();
  return backend.name === 'postgres' ? { DATABASE_URL: conn.url } : { VEZA_DATA_DIR: join(cwd, '.veza') };
}

/** Opens the database a CLI env points at (close it before running the CLI again on PGlite). */
export function openEnvDatabase(env: NodeJS.ProcessEnv) {
  return openDatabase({ databaseUrl: env['DATABASE_URL'], dataDir: env['VEZA_DATA_DIR'] ? join(env['VEZA_DATA_DIR'], 'db') : undefined });
}

/** Creates invites and a prepared folder (manifest + minimal .eml files), without the email templates. */
export async function preparedFolder(env: NodeJS.ProcessEnv, dir: string, emails: string[]): Promise<string[]> {
  const conn = await openEnvDatabase(env);
  try {
    const outcomes = await createInvites(
      conn.db,
      emails.map((email) => ({ email, cohort: 'dispatch-test' })),
    );
    mkdirSync(dir, { recursive: true });
    const invites = outcomes.map((o) => {
      if (o.status !== 'created') throw new Error(`fixture invite not created: ${JSON.stringify(o)}`);
      const file = `${o.id}.eml`;
      writeFileSync(
        join(dir, file),
        `From: Veza <beta@veza.fr>\r\nTo: ${o.email}\r\nSubject: test\r\nX-Veza-Invite-Id: ${o.id}\r\n\r\nhello\r\n`,
      );
      return { inviteId: o.id, email: o.email, cohort: o.cohort, file };
    });
    writeFileSync(
      join(dir, 'manifest.json'),
      JSON.stringify({
        schemaVersion: 1,
        createdAt: new Date().toISOString(),
        source: { file: 'fixture.csv', sha256: '0' },
        database: 'test',
        mailFrom: 'beta@veza.fr',
        invites,
      }),
    );
    return invites.map((i) => i.inviteId);
  } finally {
    await conn.close();
  }
}

/** Creates and redeems invites with the welcome email queued, as the redemption API does with WELCOME_EMAIL=1. */
export async function queuedWelcomes(env: NodeJS.ProcessEnv, emails: string[]): Promise<void> {
  const conn = await openEnvDatabase(env);
  try {
    for (const outcome of await createInvites(
      conn.db,
      emails.map((email, i) => ({ email, cohort: 'welcome-test', name: `Tester ${i}` })),
    )) {
      if (outcome.status !== 'created') throw new Error(`fixture invite not created: ${JSON.stringify(outcome)}`);
      if (!(await redeemInvite(conn.db, outcome.code, null, { queueWelcome: true })).ok) throw new Error('fixture redeem failed');
    }
  } finally {
    await conn.close();
  }
}

/** Starts the SMTP sink as its own process; resolves when it listens. */
export async function startSinkProcess(
  dir: string,
  reject: string[] = [],
): Promise<{ url: string; child: ChildProcess; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', SMTP_SINK, dir], {
    env: { ...process.env, NODE_OPTIONS: '', REJECT: reject.join(',') },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = /listening (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.on('exit', (code) => reject(new Error(`smtp sink exited with ${code}`)));
  });
  return {
    url: `smtp://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', () => resolve()), child.kill('SIGTERM')))),
  };
}

/**
 * Whether the real msmtp is installed. `npm test` installs it and sets
 * VEZA_REQUIRE_MSMTP=1, so its tests can never be skipped silently there.
 */
export function hasMsmtp(): boolean {
  try {
    execFileSync('msmtp', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env['VEZA_REQUIRE_MSMTP'] === '1') throw new Error('VEZA_REQUIRE_MSMTP=1 but msmtp is missing: apt-get install -y msmtp');
    console.warn('msmtp is missing: its tests are SKIPPED (apt-get install -y msmtp; VEZA_REQUIRE_MSMTP=1 makes this an error)');
    return false;
  }
}

/** The --json summary of `invites prepare`, as the specs read it. */
export interface PrepareSummary {
  created: unknown[];
  failed: { reason: string }[];
  skipped: unknown[];
}

/** The --json summary of `invites dispatch` and `outbox drain`, as the specs read it. */
export interface SendSummary {
  sent: number;
  alreadySent: number;
  unknown: { email: string }[];
  failed: { email: string }[];
  elsewhere: { email: string }[];
}

/** A command's --json output, typed by the caller (the specs check its shape with their assertions). */
export function jsonOutput<T>(stdout: string): T {
  return JSON.parse(stdout) as T;
}

/** The manifest.json that `invites prepare` wrote into `out`. */
export function readManifest(out: string): Manifest {
  return JSON.parse(readFileSync(join(out, MANIFEST_FILE), 'utf8')) as Manifest;
}

/** A send the fake mailer holds (HOLD_FOR, HOLD_UNTIL, STARTED_MARK): the env that holds it, a wait for it to start, its release. */
export interface HeldSend {
  env: { HOLD_FOR: string; HOLD_UNTIL: string; STARTED_MARK: string };
  /** resolves once a held send has begun; throws after 30 s */
  started(): Promise<void>;
  /** lets every held send end */
  release(): void;
}

export function heldSend(dir: string, recipients: string[]): HeldSend {
  const mark = join(dir, 'started');
  const releaseFile = join(dir, 'release');
  return {
    env: { HOLD_FOR: recipients.join(','), HOLD_UNTIL: releaseFile, STARTED_MARK: mark },
    started: async () => {
      for (let i = 0; i < 300 && !existsSync(mark); i++) await new Promise((resolve) => setTimeout(resolve, 100));
      if (!existsSync(mark)) throw new Error('the held send never started');
    },
    release: () => writeFileSync(releaseFile, ''),
  };
}

/**
 * Ctrl-C while a send is held: waits for it to start, sends SIGINT to the
 * process group as a terminal does, waits for the graceful-stop line, then
 * lets the held send end. Resolves with the exit.
 */
export async function ctrlCDuringHeldSend(run: LaunchedProcess, hold: HeldSend) {
  try {
    await hold.started();
    ctrlC(run);
    await run.waitForLine(/SIGINT: stopping after the (emails|test send) in flight/);
  } finally {
    hold.release();
  }
  return run.exited;
}

/**
 * A fixed-offset time zone (`Etc/GMT-3` is UTC+3) where it is about noon now, for a spec whose CLI runs
 * judge "today" (the decision report's folder, "written today", "recorded today"): run across midnight
 * in the machine's zone, a report written at 23:59 was "not today" for the check a minute later.
 * Good for about eleven hours either way.
 */
export function middayTimeZone(now: Date = new Date()): string {
  const offset = 12 - now.getUTCHours(); // -11 … +12 hours from UTC
  return offset === 0 ? 'Etc/GMT' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}
