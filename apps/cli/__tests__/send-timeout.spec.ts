import { expect } from '@jest/globals';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sendStates } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, SETTINGS, freshDatabaseEnv, openEnvDatabase, preparedFolder, readManifest, lines } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-send-timeout-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const CODE = 'Q7RM-4KXD-9TNB-2HWC';

/**
 * `invites dispatch` of 7 invites through a fake mailer that reads each message, then hangs, under SEND_TIMEOUT=0.3.
 * The case needs each mailer to have read its message before its deadline: a mailer is a child process (and its
 * `$(cat)` another), whose start a loaded machine can put past 300 ms, and that send was then "killed before it read
 * the whole message", another case. `reached` says whether every send tried read its message (READ_LOG).
 */
async function hangingDispatch(attempt: number) {
  const dir = join(cwd, `attempt-${attempt}`);
  mkdirSync(dir);
  const env = await freshDatabaseEnv(testBackends()[0]!, dir);
  const out = join(dir, 'out');
  const emails = Array.from({ length: 7 }, (_, i) => `h${i}@example.org`);
  const ids = await preparedFolder(env, out, emails);
  for (const invite of readManifest(out).invites) appendFileSync(join(out, invite.file), `Your code: ${CODE}\r\n`);
  const sentLog = join(dir, 'sent.log');
  const readLog = join(dir, 'read.log');
  // the fake mailer reads the whole message, then hangs for 60 s for these recipients
  const hanging = {
    ...env,
    SEND_CMD: FAKE_SENDMAIL,
    SENT_LOG: sentLog,
    READ_LOG: readLog,
    SLOW_FOR: emails.join(','),
    STARTED_MARK: join(dir, 'started'),
    SEND_TIMEOUT: '0.3',
  };
  const started = Date.now();
  const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], { cwd: dir, env: hanging });
  // every send tried read its message (dispatch.log's 'sending' lines): five reads alone let through a run whose first
  // send was killed before it read (the likeliest to start late), then five unknown: 1 failed, 1 not tried
  const tried = existsSync(join(out, 'dispatch.log'))
    ? lines(join(out, 'dispatch.log')).filter((l) => l.split('\t')[3] === 'sending').length
    : -1;
  return { env, out, ids, sentLog, run, ms: Date.now() - started, reached: lines(readLog).length === tried };
}

it('a SEND_CMD that takes the message and hangs is killed at SEND_TIMEOUT: "unknown", exit 1, fail-fast after 5, nothing resent, no code printed', async () => {
  // an attempt whose mailers did not all read in time is tried again (a fresh database and folder), up to three times
  let attempt = await hangingDispatch(1);
  for (let n = 2; n <= 3 && !attempt.reached; n++) attempt = await hangingDispatch(n);
  if (!attempt.reached)
    throw new Error(
      `a mailer did not read its message within SEND_TIMEOUT in all three attempts: the case was not tested (the last one said: ${attempt.run.stdout.trim().split('\n')[0] ?? ''}; ${attempt.run.stderr.trim()})`,
    );
  const { env, out, ids, sentLog, run } = attempt;
  expect(attempt.ms).toBeLessThan(30_000); // 5 deadlines of 0.3 s, not 5 × 60 s
  expect(run.code).toBe(1);
  expect(run.stdout).toContain('0 sent now, 0 already sent, 0 failed, 5 unknown, 0 skipped, 2 not tried (of 7).');
  expect(run.stdout).toMatch(
    /^ {2}unknown {2}h\d@example\.org: SEND_CMD timed out after 0\.3 s \(SEND_TIMEOUT\) and was killed after it had the whole message: it may have sent it\. Check the mail log; resend with --resend-unknown\.$/m,
  );
  expect(run.stdout).toContain('Dispatch STOPPED after 5 consecutive failures of the same kind: SEND_CMD timed out after 0.3 s');
  const log = lines(join(out, 'dispatch.log')).map((l) => l.split('\t'));
  // each handed to the mailer ('sending', after the run's 'started' line) before its outcome
  expect(log.map((f) => f[3])).toEqual(['started', ...Array.from({ length: 5 }, () => ['sending', 'unknown']).flat()]);
  for (const text of [run.stdout, run.stderr, readFileSync(join(out, 'dispatch.log'), 'utf8')]) expect(text).not.toContain(CODE);
  expect(lines(sentLog)).toEqual([]);

  // The mailer fixed: the 2 never tried are sent; the 5 unknown are reported as after a crash, not resent.
  const next = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--json'], {
    cwd,
    env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
  });
  expect(next.code).toBe(1);
  expect(JSON.parse(next.stdout)).toMatchObject({
    sent: 2,
    failed: [],
    unknown: expect.arrayContaining([expect.objectContaining({ email: 'h0@example.org' })]) as unknown,
  });
  expect(lines(sentLog)).toHaveLength(2);
  const conn = await openEnvDatabase(env);
  try {
    expect((await sendStates(conn.db, ids)).filter((s) => s.state === 'claimed')).toHaveLength(5);
  } finally {
    await conn.close();
  }
}, 120_000);

it('SEND_TIMEOUT that is not a number of seconds is refused before anything is sent', async () => {
  const env = await freshDatabaseEnv(testBackends()[0]!, cwd);
  const out = join(cwd, 'out');
  await preparedFolder(env, out, ['s0@example.org']);
  const run = await runVezaBeta(['invites', 'dispatch', out], {
    cwd,
    env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log'), SEND_TIMEOUT: '1m' },
  });
  expect(run.code).toBe(3);
  expect(run.stderr).toContain('SEND_TIMEOUT must be a positive number of seconds (got "1m")');
  // Every bad setting is listed, and settings come before anything else (a missing folder is exit 1, bad settings exit 3).
  const both = await runVezaBeta(['invites', 'dispatch', join(cwd, 'nowhere')], {
    cwd,
    env: { ...env, SEND_RATE: 'abc', SEND_TIMEOUT: '1m' },
  });
  expect(both.code).toBe(3);
  expect(both.stderr).toContain('SEND_RATE must be a positive number of emails per second (got "abc")');
  expect(both.stderr).toContain('SEND_TIMEOUT must be a positive number of seconds (got "1m")');
  expect(existsSync(join(out, 'dispatch.log'))).toBe(false);
}, 60_000);

// The check comes before the database is opened: one backend shows it.
it('SEND=1 invites send with a bad dispatch setting or transport stops before preparing anything (exit 3)', async () => {
  const env = { ...(await freshDatabaseEnv(testBackends()[0]!, cwd)), ...SETTINGS, FORCE: '1', SEND: '1', SENT_LOG: join(cwd, 'sent.log') };
  writeFileSync(join(cwd, 'team.csv'), 'email,cohort\nana@example.org,creators\n');
  for (const [bad, message] of [
    [{ SEND_CMD: FAKE_SENDMAIL, SEND_RATE: 'abc' }, 'SEND_RATE must be a positive number of emails per second (got "abc")'],
    [{ SMTP_URL: 'http://mail.example.org' }, 'SMTP_URL'],
  ] as const) {
    const run = await runVezaBeta(['invites', 'send', 'team.csv', '--out', 'out', '--no-screenshot'], { cwd, env: { ...env, ...bad } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain(message);
    expect(existsSync(join(cwd, 'out'))).toBe(false);
  }
  const report = await runVezaBeta(['invites', 'report', '--json'], { cwd, env });
  expect(JSON.parse(report.stdout)).toMatchObject({ total: { invited: 0 } });
  expect(existsSync(join(cwd, 'sent.log'))).toBe(false);
}, 60_000);
