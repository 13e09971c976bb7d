import { expect } from '@jest/globals';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listWelcomeOutbox } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import {
  FAKE_SENDMAIL,
  SETTINGS,
  freshDatabaseEnv,
  jsonOutput,
  openEnvDatabase,
  queuedWelcomes,
  startSinkProcess,
  lines,
  emails,
  ctrlCDuringHeldSend,
  heldSend,
} from './fixtures.js';
import type { SendSummary } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';
import { childEnv, startLaunched } from '@veza/test-support';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-outbox-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const backends = testBackends();
const postgres = backends.find((b) => b.name === 'postgres');

describe.each(backends)('outbox drain on $name', (backend) => {
  it('sends each queued welcome email once to a real SMTP server, reports a refused one (exit 1), and a rerun sends only that one', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS };
    await queuedWelcomes(env, emails(3, 'w'));
    const sinkDir = join(cwd, 'sink');
    const sink = await startSinkProcess(sinkDir, ['w1@example.org']);
    try {
      const first = await runVezaBeta(['outbox', 'drain', '--rate', '100'], { cwd, env: { ...env, SMTP_URL: sink.url } });
      expect(first.code).toBe(1);
      expect(first.stdout).toContain('outbox drain: 2 welcome email(s) sent, 1 failed, 0 unknown, 0 given up.');
      expect(first.stdout).toMatch(/failed {5}w1@example\.org: 550/);
      const messages = readdirSync(sinkDir).map((f) => readFileSync(join(sinkDir, f), 'utf8'));
      expect(messages).toHaveLength(2);
      expect(messages.every((m) => /^Subject: Bienvenue dans la b/m.test(m) || /^Subject: =\?UTF-8\?/m.test(m))).toBe(true);
      expect(messages.map((m) => /^To: (.*)$/m.exec(m)?.[1]?.trim()).sort()).toEqual([
        'Tester 0 <w0@example.org>',
        'Tester 2 <w2@example.org>',
      ]);
    } finally {
      await sink.stop();
    }
    const sink2 = await startSinkProcess(join(cwd, 'sink2'));
    try {
      const second = await runVezaBeta(['outbox', 'drain', '--json'], { cwd, env: { ...env, SMTP_URL: sink2.url } });
      expect(second.code).toBe(0);
      expect(JSON.parse(second.stdout)).toMatchObject({ sent: 1, failed: [], unknown: [], exhausted: [] });
      expect(readdirSync(join(cwd, 'sink2'))).toHaveLength(1);
    } finally {
      await sink2.stop();
    }
  });

  it('refuses to start without the email settings, before sending anything', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    await queuedWelcomes(env, emails(1, 's'));
    const run = await runVezaBeta(['outbox', 'drain'], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('cannot render the welcome email; fix these settings first');
    expect(lines(join(cwd, 'sent.log'))).toEqual([]);
  });
});

(postgres ? describe : describe.skip)('outbox drain under failure (postgres)', () => {
  it('Ctrl-C ends the drain after the email in flight (recorded, not unknown); the rest stays queued; exit 130', async () => {
    const env = { ...(await freshDatabaseEnv(postgres!, cwd)), ...SETTINGS };
    await queuedWelcomes(env, emails(3, 'q'));
    const sentLog = join(cwd, 'sent.log');
    const hold = heldSend(cwd, emails(3, 'q'));
    const run = startLaunched(BIN, {
      args: ['outbox', 'drain', '--rate', '100'],
      cwd,
      env: childEnv({ ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env }),
    });
    expect((await ctrlCDuringHeldSend(run, hold)).code).toBe(130);
    expect(run.output()).toContain('outbox drain: 1 welcome email(s) sent, 0 failed, 0 unknown');
    expect(run.output()).toContain('Drain INTERRUPTED: the other welcome emails stay queued');
    expect(lines(sentLog)).toHaveLength(1);
    const rest = await runVezaBeta(['outbox', 'drain', '--json'], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });
    expect(rest.code).toBe(0);
    expect(JSON.parse(rest.stdout)).toMatchObject({ sent: 2, unknown: [] });
    expect(lines(sentLog).sort()).toEqual(emails(3, 'q'));
  });

  it('after kill -9 mid-send, the next drain sends exactly the rest and reports the one in flight as unknown; --resend-unknown sends it', async () => {
    const env = { ...(await freshDatabaseEnv(postgres!, cwd)), ...SETTINGS };
    await queuedWelcomes(env, emails(5, 'k'));
    const sentLog = join(cwd, 'sent.log');
    const mark = join(cwd, 'started');
    const sendEnv = childEnv({
      ...env,
      CI: 'true',
      SEND_CMD: FAKE_SENDMAIL,
      SENT_LOG: sentLog,
      SLOW_FOR: 'k2@example.org',
      STARTED_MARK: mark,
    });
    const child = spawn(process.execPath, [BIN, 'outbox', 'drain', '--rate', '100'], {
      cwd,
      env: sendEnv,
      detached: true,
      stdio: 'ignore',
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      (async () => {
        while (!existsSync(mark)) await new Promise((r) => setTimeout(r, 50));
      })(),
      new Promise((resolve) => (timer = setTimeout(resolve, 60_000))),
    ]);
    clearTimeout(timer);
    expect(existsSync(mark)).toBe(true);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(lines(sentLog)).not.toContain('k2@example.org');

    const next = await runVezaBeta(['outbox', 'drain', '--json'], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });
    expect(next.code).toBe(1);
    expect(jsonOutput<SendSummary>(next.stdout).unknown).toEqual([expect.objectContaining({ email: 'k2@example.org' })]);
    expect(lines(sentLog).sort()).toEqual(emails(5, 'k').filter((e) => e !== 'k2@example.org'));

    const resend = await runVezaBeta(['outbox', 'drain', '--resend-unknown', '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    expect(resend.code).toBe(0);
    expect(JSON.parse(resend.stdout)).toMatchObject({ sent: 1, unknown: [] });
    expect(lines(sentLog).sort()).toEqual(emails(5, 'k'));
    const conn = await openEnvDatabase(env);
    try {
      expect((await listWelcomeOutbox(conn.db)).every((r) => r.sentAt !== null)).toBe(true);
    } finally {
      await conn.close();
    }
  });

  it('two drains started at once never send one welcome email twice', async () => {
    const env = { ...(await freshDatabaseEnv(postgres!, cwd)), ...SETTINGS };
    await queuedWelcomes(env, emails(20, 'p'));
    const sentLog = join(cwd, 'sent.log');
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, DELAY: '0.05' };
    const [a, b] = await Promise.all([
      runVezaBeta(['outbox', 'drain', '--rate', '1000', '--json'], { cwd, env: sendEnv }),
      runVezaBeta(['outbox', 'drain', '--rate', '1000', '--json'], { cwd, env: sendEnv }),
    ]);
    expect([a.code, b.code]).toEqual([0, 0]);
    const sent = lines(sentLog);
    expect(sent).toHaveLength(20);
    expect(new Set(sent).size).toBe(20);
    expect(jsonOutput<SendSummary>(a.stdout).sent + jsonOutput<SendSummary>(b.stdout).sent).toBe(20);
  });
});
