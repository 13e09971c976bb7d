import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  claimWelcomeEmail,
  createInvites,
  formatCode,
  listWelcomeOutbox,
  openDatabase,
  redeemInvite,
  runMigrations,
} from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { openOutboxSender, transportFromEnv } from '@veza/invite-mailer';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { childEnv } from '@veza/test-support';

const bin = fileURLToPath(new URL('../bin/redemption-api.mjs', import.meta.url));
const sinkScript = fileURLToPath(new URL('../testing/smtp-sink-process.ts', import.meta.url));
const postgres = testBackends().find((b) => b.name === 'postgres');
const MAIL = {
  FRONTEND_URL: 'https://beta.veza.example',
  FEEDBACK_URL: 'https://forms.example.org/beta',
  DISCORD_URL: 'https://discord.example.org/invite/veza',
  MAIL_FROM: 'Veza <beta@veza.example>',
  MAIL_REPLY_TO: 'team@veza.example',
  MAIL_UNSUBSCRIBE: 'mailto:stop@veza.example',
};

/** Resolves with what `pattern` captured in the child's stdout, or rejects at the deadline (the timer is cleared either way). */
function waitForLine(child: ChildProcess, pattern: RegExp, ms: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`no ${pattern} within ${ms} ms: ${out.slice(-500)}`)), ms);
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const match = pattern.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1] ?? match[0]);
      }
    });
  });
}

/** Polls `done` every 50 ms until it holds or the deadline passes. */
async function until(done: () => boolean, ms: number): Promise<boolean> {
  let expired = false;
  const timer = setTimeout(() => (expired = true), ms);
  try {
    while (!done() && !expired) await new Promise((r) => setTimeout(r, 50));
    return done();
  } finally {
    clearTimeout(timer);
  }
}

function startApi(env: NodeJS.ProcessEnv): { child: ChildProcess; port: Promise<number> } {
  const child = spawn(process.execPath, [bin], {
    env: childEnv({
      PORT: '0',
      LOG_LEVEL: 'info',
      ...env,
    }),
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { child, port: waitForLine(child, /"port":(\d+)[^\n]*redemption-api ready/, 40_000).then(Number) };
}

/** The API's JSON log lines as they come, and how many welcome emails its 'welcome emails sent' lines count. */
function jsonLog(child: ChildProcess) {
  let log = '';
  child.stdout!.on('data', (chunk: Buffer) => (log += chunk.toString()));
  const lines = () =>
    log
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; sent?: number; done?: number; count?: number; own?: string[]; unknown?: string[] });
  const sent = () => lines().reduce((n, l) => n + (l.msg === 'welcome emails sent' ? (l.sent ?? 0) : 0), 0);
  return { lines, sent };
}

const stop = (child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM') =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', () => resolve());
    process.kill(-child.pid!, signal);
  });

const redeem = (port: number, code: string) =>
  fetch(`http://127.0.0.1:${port}/v1/invites/redeem`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ code }),
    signal: AbortSignal.timeout(20_000),
  }).then((r) => r.status);

let cwd: string;
const children: ChildProcess[] = [];
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-welcome-'));
});
afterEach(async () => {
  await Promise.all(children.splice(0).map((child) => stop(child, 'SIGKILL')));
  rmSync(cwd, { recursive: true, force: true });
});

async function database(count: number, tag: string): Promise<{ url: string; codes: string[]; emails: string[] }> {
  const url = (await postgres!.create()).url!;
  const conn = await openDatabase({ databaseUrl: url });
  try {
    await runMigrations(conn);
    const outcomes = await createInvites(
      conn.db,
      Array.from({ length: count }, (_, i) => ({ email: `${tag}${i}@example.org`, cohort: 'welcome', name: `Tester ${i}` })),
    );
    return { url, codes: outcomes.map((o) => (o.status === 'created' ? formatCode(o.code) : '')), emails: outcomes.map((o) => o.email) };
  } finally {
    await conn.close();
  }
}

async function outbox(url: string) {
  const conn = await openDatabase({ databaseUrl: url });
  try {
    return await listWelcomeOutbox(conn.db);
  } finally {
    await conn.close();
  }
}

(postgres ? describe : describe.skip)('WELCOME_EMAIL=1 (two API processes, one PostgreSQL, a real SMTP server)', () => {
  it('each redemption sends its welcome email exactly once, whichever replica took it, even when both redeem the same codes at once', async () => {
    const { url, codes, emails } = await database(8, 'w');
    const sinkDir = join(cwd, 'sink');
    const sink = spawn(process.execPath, ['--conditions=@veza/source', '--import', 'tsx', sinkScript, sinkDir], {
      env: { ...process.env, NODE_OPTIONS: '' },
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(sink);
    const smtpPort = await waitForLine(sink, /listening (\d+)/, 20_000);
    const apis = [0, 1].map(() => startApi({ DATABASE_URL: url, WELCOME_EMAIL: '1', SMTP_URL: `smtp://127.0.0.1:${smtpPort}`, ...MAIL }));
    children.push(...apis.map((a) => a.child));
    const ports = await Promise.all(apis.map((a) => a.port));

    const statuses = await Promise.all(codes.flatMap((code) => [redeem(ports[0]!, code), redeem(ports[1]!, code)]));
    expect(statuses.filter((s) => s === 200)).toHaveLength(8);
    const messages = () => (existsSync(sinkDir) ? readdirSync(sinkDir) : []);
    expect(await until(() => messages().length >= 8, 30_000)).toBe(true);
    await until(() => false, 1_500); // both replicas get time to send a duplicate, if they ever would
    const to = messages().map((file) => /^To: .*<(.*)>/m.exec(readFileSync(join(sinkDir, file), 'utf8'))?.[1]);
    expect(to.sort()).toEqual([...emails].sort());
    expect((await outbox(url)).every((row) => row.sentAt !== null && row.attempts === 1)).toBe(true);

    const page = await (await fetch(`http://127.0.0.1:${ports[0]}/signup`, { signal: AbortSignal.timeout(10_000) })).text();
    expect(page).toContain('id="check-inbox"');
  }, 120_000);

  it('after kill -9 of the sending API mid-send, the next API sends the rest once and leaves the one in flight as unknown', async () => {
    const { url, codes, emails } = await database(3, 'k');
    const sentLog = join(cwd, 'sent.log');
    const mark = join(cwd, 'started');
    const mailer = join(cwd, 'mailer.sh');
    // a SEND_CMD that hangs for the first recipient (to be killed mid-send) and logs the others
    writeFileSync(
      mailer,
      `#!/bin/sh\nto=$(sed -n 's/^To: .*<\\(.*\\)>.*/\\1/p' | head -n 1)\nif [ "$to" = "${emails[0]}" ]; then : > "${mark}"; sleep 60; fi\necho "$to" >> "${sentLog}"\n`,
    );
    chmodSync(mailer, 0o755);
    const env = { DATABASE_URL: url, WELCOME_EMAIL: '1', SEND_CMD: mailer, ...MAIL };
    const first = startApi(env);
    children.push(first.child);
    expect(await redeem(await first.port, codes[0]!)).toBe(200);
    expect(await until(() => existsSync(mark), 30_000)).toBe(true);
    await stop(first.child, 'SIGKILL');

    const second = startApi(env);
    children.push(second.child);
    const port = await second.port;
    expect(await redeem(port, codes[1]!)).toBe(200);
    expect(await redeem(port, codes[2]!)).toBe(200);
    expect(await until(() => existsSync(sentLog) && readFileSync(sentLog, 'utf8').trim().split('\n').length >= 2, 30_000)).toBe(true);
    await until(() => false, 1_000);
    expect(readFileSync(sentLog, 'utf8').trim().split('\n').sort()).toEqual([emails[1], emails[2]]);
    const rows = await outbox(url);
    // the one in flight keeps the dead API's claim and no sent_at: "unknown", not resent
    expect(rows.map((r) => [r.email, r.sentAt !== null, r.claimedBy !== null]).sort()).toEqual([
      [emails[0], false, true],
      [emails[1], true, true],
      [emails[2], true, true],
    ]);
  }, 120_000);
});

/**
 * Starts the API with one queued welcome email and its readiness check held behind a lock, and sends SIGTERM once
 * its mailer runs. 'listened first' when the server was already listening by then (the case not reached).
 */
async function signalBeforeListen(tag: string) {
  const { url, codes, emails } = await database(1, tag);
  const queue = await openDatabase({ databaseUrl: url });
  try {
    expect((await redeemInvite(queue.db, codes[0]!, null, { queueWelcome: true })).ok).toBe(true);
  } finally {
    await queue.close();
  }
  const dir = mkdtempSync(join(cwd, `${tag}-`));
  const sentLog = join(dir, 'sent.log');
  const mark = join(dir, 'started');
  const mailer = join(dir, 'mailer.sh');
  writeFileSync(
    mailer,
    `#!/bin/sh\nto=$(sed -n 's/^To: .*<\\(.*\\)>.*/\\1/p' | head -n 1)\n: > "${mark}"\nsleep 2\necho "$to" >> "${sentLog}"\n`,
  );
  chmodSync(mailer, 0o755);
  // the readiness check waits (for its 5 s statement timeout) behind a lock on the migrations table: the API has
  // started its welcome sender, which drains the queued email at once, and does not listen yet
  const locker = await openDatabase({ databaseUrl: url });
  let unlock!: () => void;
  const unlocked = new Promise<void>((resolve) => (unlock = resolve));
  const held = locker.rawTransaction(async (tx) => {
    await tx.exec('LOCK TABLE veza_beta_migrations IN ACCESS EXCLUSIVE MODE');
    await unlocked;
  });
  try {
    const child = spawn(process.execPath, [bin], {
      env: childEnv({ PORT: '0', LOG_LEVEL: 'info', DATABASE_URL: url, WELCOME_EMAIL: '1', SEND_CMD: mailer, ...MAIL }),
      detached: true,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(child);
    const log = jsonLog(child);
    const first = (pattern: RegExp) => log.lines().findIndex((l) => pattern.test(l.msg));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    expect(await until(() => existsSync(mark), 20_000)).toBe(true);
    process.kill(child.pid!, 'SIGTERM');
    unlock();
    const result = await exited;
    const listened = first(/redemption-api (ready|listening)/);
    const shutdown = first(/shutting down/);
    // the signal was handled after the listen: the server said it listened before it said it was shutting down
    if (listened >= 0 && (shutdown < 0 || listened < shutdown)) return 'listened first' as const;
    return {
      exited: result,
      email: emails[0],
      sent: existsSync(sentLog) ? readFileSync(sentLog, 'utf8').trim().split('\n') : [],
      outbox: (await outbox(url)).map((r) => [r.email, r.sentAt !== null]),
      listened: listened >= 0,
    };
  } finally {
    unlock();
    await held.catch(() => undefined);
    await locker.close();
  }
}

(postgres ? describe : describe.skip)("the welcome email's SEND_CMD", () => {
  it('a SIGTERM after the welcome sender started and before the server listens shuts down gracefully: the email with the mailer ends and is recorded, exit 0', async () => {
    // The window is the readiness check's wait (its 5 s statement timeout, behind a lock); on a loaded machine the
    // mailer may start only after it. Such an attempt did not test the case (the server listened before the signal):
    // it is tried again, up to three times, and the test fails if no attempt signals before the listen.
    for (let attempt = 1; attempt <= 3; attempt++) {
      const outcome = await signalBeforeListen(`early${attempt}`);
      if (outcome === 'listened first') continue;
      // before: ended by the signal itself (Node's default), the email left claimed with no outcome
      expect(outcome.exited).toEqual({ code: 0, signal: null });
      expect(outcome.sent).toEqual([outcome.email]);
      expect(outcome.outbox).toEqual([[outcome.email, true]]);
      expect(outcome.listened).toBe(false);
      return;
    }
    throw new Error('the server listened before the signal in all three attempts: the case was not tested');
  }, 150_000);

  it("gets the API's environment without its secrets, as the CLI's mailers do", async () => {
    const { url, codes } = await database(1, 'env');
    const seen = join(cwd, 'env.txt');
    const mailer = join(cwd, 'mailer.sh');
    // a mailer that reads its spool folder from the environment, as site wrappers do, and shows what it was given
    writeFileSync(mailer, `#!/bin/sh\ncat > /dev/null\nenv > "${seen}"\n`);
    chmodSync(mailer, 0o755);
    const adminToken = randomBytes(24).toString('hex');
    const api = startApi({
      DATABASE_URL: url,
      WELCOME_EMAIL: '1',
      SEND_CMD: mailer,
      MAILER_SPOOL: '/var/spool/veza',
      ADMIN_TOKEN: adminToken,
      ...MAIL,
    });
    children.push(api.child);
    expect(await redeem(await api.port, codes[0]!)).toBe(200);
    expect(await until(() => existsSync(seen) && readFileSync(seen, 'utf8').includes('PATH='), 30_000)).toBe(true);
    const env = readFileSync(seen, 'utf8');
    expect(env).toMatch(/^MAILER_SPOOL=\/var\/spool\/veza$/m);
    expect(env).toMatch(/^FRONTEND_URL=/m);
    expect(env).not.toContain(adminToken);
    expect(env).not.toMatch(/^(ADMIN_TOKEN|DATABASE_URL)=/m);
    expect(env).not.toContain(url);
  }, 90_000);
});

(postgres ? describe : describe.skip)('WELCOME_EMAIL=1 on a long run: what the log says', () => {
  // An unknown outcome stays so from drain to drain: its warning came at every drain (every 10 s and after each
  // redemption) for as long as it stayed. A drain behind a backlog said nothing until its end (half an hour for
  // thousands). Now the warning comes when the set of unknown emails changes, and a drain says how far it is.
  it('warns of an unknown outcome once while it lasts, and a drain behind a backlog says how far it is every 100 emails', async () => {
    const { url, codes } = await database(103, 'b');
    const conn = await openDatabase({ databaseUrl: url });
    try {
      // a backlog of 101 welcome emails queued before the API starts; the oldest claimed by a sender that is gone
      for (const code of codes.slice(0, 101)) expect((await redeemInvite(conn.db, code, null, { queueWelcome: true })).ok).toBe(true);
      expect(await claimWelcomeEmail(conn.db, 'gone-host:99:ffffff', { maxAttempts: 5 })).toBeDefined();
    } finally {
      await conn.close();
    }
    const mailer = join(cwd, 'mailer.sh');
    writeFileSync(mailer, '#!/bin/sh\ncat > /dev/null\n');
    chmodSync(mailer, 0o755);
    const api = startApi({ DATABASE_URL: url, WELCOME_EMAIL: '1', SEND_CMD: mailer, ...MAIL });
    children.push(api.child);
    const { lines, sent } = jsonLog(api.child);
    const port = await api.port;
    expect(await until(() => sent() >= 100, 60_000)).toBe(true); // the backlog's drain
    // two redemptions: two more drains, each sends its email and meets the same unknown one
    expect(await redeem(port, codes[101]!)).toBe(200);
    expect(await until(() => sent() >= 101, 30_000)).toBe(true);
    expect(await redeem(port, codes[102]!)).toBe(200);
    expect(await until(() => sent() >= 102, 30_000)).toBe(true);
    expect(lines().filter((l) => l.msg === 'welcome emails sent').length).toBeGreaterThanOrEqual(3);
    const unknown = lines().filter((l) => l.msg.startsWith('welcome emails with an unknown outcome'));
    expect(unknown).toHaveLength(1);
    expect(unknown[0]).toMatchObject({ count: 1 });
    const progress = lines().filter((l) => l.msg.startsWith('welcome outbox drain in progress'));
    expect(progress).toEqual([expect.objectContaining({ done: 100, sent: 100, failed: 0 })]);
  }, 180_000);
});

(postgres ? describe : describe.skip)('WELCOME_EMAIL=1: an unknown outcome of its own sender', () => {
  // The API's sender left its own earlier claims out of the next drain's unknown ones: the drain after the one
  // that met a killed mailer logged "no welcome email with an unknown outcome any more", and it still had one.
  it('is not said to be gone at the next drains while its claim stays', async () => {
    const { url, codes } = await database(3, 'k');
    const mailer = join(cwd, 'mailer.sh');
    // reads the whole message, then dies of a signal: it may have sent it (unknown)
    writeFileSync(mailer, '#!/bin/sh\ncat > /dev/null\nexit 137\n');
    chmodSync(mailer, 0o755);
    const api = startApi({ DATABASE_URL: url, WELCOME_EMAIL: '1', SEND_CMD: mailer, ...MAIL });
    children.push(api.child);
    const { lines, sent } = jsonLog(api.child);
    const said = (start: string) => lines().filter((l) => l.msg.startsWith(start));
    const port = await api.port;
    expect(await redeem(port, codes[0]!)).toBe(200);
    expect(await until(() => said('welcome emails with an unknown outcome').length > 0, 30_000)).toBe(true);
    // the mailer works again: two more drains, each sends its email (the second one's line comes after the first's)
    writeFileSync(mailer, '#!/bin/sh\ncat > /dev/null\n');
    expect(await redeem(port, codes[1]!)).toBe(200);
    expect(await until(() => sent() >= 1, 30_000)).toBe(true);
    expect(await redeem(port, codes[2]!)).toBe(200);
    expect(await until(() => sent() >= 2, 30_000)).toBe(true);
    expect(said('no welcome email with an unknown outcome')).toEqual([]);
    const warned = said('welcome emails with an unknown outcome');
    expect(warned).toHaveLength(1);
    // and the email is indeed still claimed, its outcome unknown
    const [claimed] = (await outbox(url)).filter((row) => row.sentAt === null && row.claimedBy !== null);
    expect(claimed).toBeDefined();
    // The advice is true: `outbox drain --resend-unknown` leaves a live API's claim alone, so the warning names this
    // API's own and says they are resent only once it is stopped (it sent the operator to that command alone).
    expect(warned[0]).toMatchObject({ own: [claimed!.id], unknown: [claimed!.id] });
    expect(warned[0]!.msg).toContain("which resends this API's own only once it is stopped or restarted");
    const drain = async () => {
      const conn = await openDatabase({ databaseUrl: url });
      const sender = await openOutboxSender(conn, transportFromEnv({ PATH: process.env['PATH'], SEND_CMD: mailer }, 1), {
        from: 'beta@veza.fr',
        buildEml: (row) => Promise.resolve(Buffer.from(`To: ${row.email}\r\nSubject: welcome\r\n\r\nhi\r\n`)),
        resendUnknown: true,
      });
      try {
        return await sender.drain();
      } finally {
        await sender.close();
        await conn.close();
      }
    };
    expect(await drain()).toMatchObject({ sent: 0, inFlightElsewhere: 1 }); // while the API runs: not resent
    await stop(api.child);
    expect(await drain()).toMatchObject({ sent: 1, unknown: [] }); // once it is stopped: resent
  }, 120_000);
});

describe('WELCOME_EMAIL=1 without a transport', () => {
  it('is a configuration error (exit 3) that names what is missing', async () => {
    const api = spawn(process.execPath, [bin], {
      env: childEnv({
        PORT: '0',
        VEZA_DATA_DIR: join(cwd, '.veza'),
        WELCOME_EMAIL: '1',
        ...MAIL,
      }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    api.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const code = await new Promise<number | null>((resolve) => api.once('exit', resolve));
    expect(code).toBe(3);
    expect(stderr).toContain('WELCOME_EMAIL is 1 but no transport is configured: set SMTP_URL or SEND_CMD');
  }, 60_000);

  it('a transport the mailer refuses (an http:// SMTP_URL, ?logger, a SEND_CMD not on PATH) is a configuration error too, not "a bug" with a stack', async () => {
    for (const [transport, expected] of [
      [
        { SMTP_URL: 'http://beta:s3cretPw0rd@127.0.0.1:2525' },
        'SMTP_URL: not a valid SMTP URL (http://beta:***@127.0.0.1:2525/) (MAILER_SMTP_URL_INVALID)',
      ],
      [
        { SMTP_URL: 'smtp://beta:s3cretPw0rd@127.0.0.1:2525?logger=true' },
        "?logger prints the SMTP session, each message's invite code included",
      ],
      [{ SEND_CMD: 'no-such-mailer-veza -t' }, "SEND_CMD: 'no-such-mailer-veza' was not found on PATH"],
    ] as const) {
      const api = spawn(process.execPath, [bin], {
        env: childEnv({ PORT: '0', VEZA_DATA_DIR: join(cwd, '.veza'), WELCOME_EMAIL: '1', ...MAIL, ...transport }),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stderr = '';
      api.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => api.once('exit', resolve));
      expect({ code, stderr }).toEqual({ code: 3, stderr: expect.stringContaining('redemption-api: configuration error: ') });
      expect(stderr).toContain(expected);
      expect(stderr).not.toContain('this is a bug');
      expect(stderr).not.toContain('s3cretPw0rd');
    }
  }, 90_000);
});
