import { expect } from '@jest/globals';
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  statfsSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { claimInvitesForSend, sendStates, setInviteExpiry } from '@veza/invites-db';
import { endLockSession, testBackends } from '@veza/invites-db/testing';
import {
  FAKE_SENDMAIL,
  SETTINGS,
  freshDatabaseEnv,
  jsonOutput,
  openEnvDatabase,
  preparedFolder,
  readManifest,
  startSinkProcess,
  hasMsmtp,
  lines,
  emails,
  ctrlCDuringHeldSend,
  heldSend,
} from './fixtures.js';
import type { PrepareSummary, SendSummary } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';
import { childEnv, ctrlC, mountTmpfs, startLaunched } from '@veza/test-support';

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-dispatch-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

/** Waits (at most 30 s) for the fake sendmail's STARTED_MARK, then kills the dispatch's whole process group (kill -9). */
async function killWhenStarted(child: ChildProcess, mark: string): Promise<void> {
  for (let i = 0; i < 600 && !existsSync(mark); i++) await new Promise((r) => setTimeout(r, 50));
  expect(existsSync(mark)).toBe(true);
  process.kill(-child.pid!, 'SIGKILL');
  await new Promise((r) => child.once('exit', r));
}

/** `invites dispatch OUT --rate 100` through the fake sendmail, which appends each recipient it takes to `sentLog`. */
const dispatchThroughFake = (env: NodeJS.ProcessEnv, out: string, sentLog: string, args: string[] = []) =>
  runVezaBeta(['invites', 'dispatch', out, '--rate', '100', ...args], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });

/**
 * `invites dispatch OUT` through the fake sendmail, the send of the folder's first email held, and the run's lock
 * session ended once that send has begun: a dispatcher that lost its lock with an email in hand. `meanwhile` runs
 * then, before the held send is let go. The run is returned still running.
 */
async function loseLockWithSendInHand<T>(
  env: NodeJS.ProcessEnv,
  out: string,
  sentLog: string,
  first: string,
  meanwhile: (conn: Awaited<ReturnType<typeof openEnvDatabase>>, ids: string[]) => Promise<T>,
) {
  const hold = heldSend(cwd, [first]);
  const run = startLaunched(BIN, {
    args: ['invites', 'dispatch', out, '--rate', '100'],
    cwd,
    env: { ...childEnv(), ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
  });
  const ids = readManifest(out).invites.map((i) => i.inviteId);
  try {
    await hold.started();
    const conn = await openEnvDatabase(env);
    try {
      const claimer = (await sendStates(conn.db, [ids[0]!]))[0]?.claimedBy;
      expect(await endLockSession(conn, claimer!)).toBe(1);
      return { run, ids, result: await meanwhile(conn, ids) };
    } finally {
      await conn.close();
    }
  } finally {
    hold.release();
  }
}

const backends = testBackends();
const postgres = backends.find((b) => b.name === 'postgres');

describe.each(backends)('invites dispatch through SEND_CMD on $name', (backend) => {
  it('sends each email once, retries temporary failures, reports permanent ones, and a rerun sends nothing again', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(5, 'r'));
    const sentLog = join(cwd, 'sent.log');
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, FAIL_FOR: 'r1@example.org', TEMPFAIL_ONCE_FOR: 'r2@example.org' };

    const first = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--retry-delay', '10'], { cwd, env: sendEnv });
    expect(first.code).toBe(1);
    expect(lines(sentLog).sort()).toEqual(['r0@example.org', 'r2@example.org', 'r3@example.org', 'r4@example.org']);
    expect(first.stdout).toContain('4 sent now, 0 already sent, 1 failed');
    expect(first.stdout).toContain('failed   r1@example.org: exit 1: 550 5.1.1 <r1@example.org>: mailbox unavailable');
    const all = lines(join(out, 'dispatch.log')).map((l) => l.split('\t'));
    // each email's 'sending' line (after the run's 'started' line) comes before its outcome
    expect(all[0]![3]).toBe('started');
    expect(all.filter((f) => f[3] === 'sending').map((f) => f[2])).toEqual(emails(5, 'r'));
    const log = all.filter((f) => f[3] !== 'started' && f[3] !== 'sending');
    expect(log).toHaveLength(5);
    expect(log.find((f) => f[2] === 'r1@example.org')?.[3]).toBe('failed');
    expect(log.filter((f) => f[3] === 'sent')).toHaveLength(4);

    const second = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--json'], { cwd, env: sendEnv });
    expect(second.code).toBe(1);
    expect(JSON.parse(second.stdout)).toMatchObject({ sent: 0, alreadySent: 4, failed: [{ email: 'r1@example.org' }] });
    expect(lines(sentLog)).toHaveLength(4);

    const third = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], { cwd, env: { ...sendEnv, FAIL_FOR: '' } });
    expect(third.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(5, 'r').sort());
    const conn = await openEnvDatabase(env);
    try {
      const states = await sendStates(
        conn.db,
        readManifest(out).invites.map((i) => i.inviteId),
      );
      expect(states.map((s) => s.state)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
      expect(states.find((s) => s.attempts === 3)).toBeDefined(); // r1: failed, failed, sent
    } finally {
      await conn.close();
    }
  });

  it('refuses a missing SEND_CMD, a folder without manifest, and a bad rate, before sending anything', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(1, 'm'));
    const missing = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: { ...env, SEND_CMD: 'no-such-mailer -t' } });
    expect(missing).toMatchObject({ code: 3 }); // a configuration error, as a bad SMTP_URL
    expect(missing.stderr).toContain("veza-beta: configuration error: SEND_CMD: 'no-such-mailer' was not found on PATH");
    const noManifest = await runVezaBeta(['invites', 'dispatch', cwd], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL } });
    expect(noManifest.stderr).toContain('manifest.json: not found');
    const badRate = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SEND_RATE: 'fast' } });
    expect(badRate).toMatchObject({ code: 3 });
    expect(badRate.stderr).toContain(
      'veza-beta: configuration error: SEND_RATE must be a positive number of emails per second (got "fast")',
    );
    expect(existsSync(join(out, 'dispatch.log'))).toBe(false);
  });
});

describe.each(backends)('invites dispatch never reports a success it did not achieve, on $name', (backend) => {
  it('does not send an .eml whose code was replaced (--reissue-unsent into another folder): failed, named, exit 1; the new folder sends', async () => {
    const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
    // names that hold `invite=` too, before the link: neither may fool the check (the first such value is not the code)
    writeFileSync(
      join(cwd, 'r.csv'),
      'email,cohort,name\nana@example.org,creators,Ana (invite=ABCDABCDABCDABCD)\nbob@example.org,creators,Bob (invite=moi)\n',
    );
    const prepared = await runVezaBeta(['invites', 'prepare', 'r.csv', '--out', 'old', '--no-screenshot'], { cwd, env });
    expect({ code: prepared.code, stderr: prepared.stderr }).toMatchObject({ code: 0 });
    const reissued = await runVezaBeta(['invites', 'prepare', 'r.csv', '--reissue-unsent', '--out', 'new', '--no-screenshot'], {
      cwd,
      env,
    });
    expect({ code: reissued.code, stderr: reissued.stderr }).toMatchObject({ code: 0 });
    const sentLog = join(cwd, 'sent.log');
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog };
    const stale = await runVezaBeta(['invites', 'dispatch', 'old', '--rate', '100', '--retries', '0'], { cwd, env: sendEnv });
    expect(stale.code).toBe(1);
    expect(stale.stdout).toContain('0 sent now, 0 already sent, 2 failed');
    expect(stale.stdout).toContain(
      "its code is not the invite's any more (given a new one with --reissue-unsent: dispatch the folder that has it)",
    );
    expect(existsSync(sentLog)).toBe(false);
    const fresh = await runVezaBeta(['invites', 'dispatch', 'new', '--rate', '100'], { cwd, env: sendEnv });
    expect(fresh.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(['ana@example.org', 'bob@example.org']);
  });

  // two processes on one database at once: PostgreSQL only (the embedded database has one owner)
  (backend.name === 'postgres' ? it : it.skip)(
    'a code reissued while the old folder is being dispatched is seen at its claim: the old .eml is not sent',
    async () => {
      const env = { ...(await freshDatabaseEnv(backend, cwd)), ...SETTINGS, FORCE: '1' };
      writeFileSync(join(cwd, 'r.csv'), 'email,cohort\nana@example.org,creators\nbob@example.org,creators\n');
      const prepared = await runVezaBeta(['invites', 'prepare', 'r.csv', '--out', 'old', '--no-screenshot'], { cwd, env });
      expect({ code: prepared.code, stderr: prepared.stderr }).toMatchObject({ code: 0 });
      const sentLog = join(cwd, 'sent.log');
      const hold = heldSend(cwd, ['ana@example.org']);
      const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env };
      // the old folder's dispatch starts, and holds on ana's send (bob is not claimed yet: one email at a time)
      const old = runVezaBeta(['invites', 'dispatch', 'old', '--rate', '100', '--retries', '0'], { cwd, env: sendEnv });
      try {
        await hold.started();
        const reissued = await runVezaBeta(
          ['invites', 'prepare', 'r.csv', '--reissue-unsent', '--out', 'new', '--no-screenshot', '--json'],
          {
            cwd,
            env,
          },
        );
        expect({ code: reissued.code, stderr: reissued.stderr }).toMatchObject({ code: 0 });
        // ana is being sent: only bob gets a new code
        expect(jsonOutput<PrepareSummary>(reissued.stdout).created).toEqual([expect.objectContaining({ email: 'bob@example.org' })]);
      } finally {
        hold.release();
      }
      const stale = await old;
      expect(stale.code).toBe(1);
      expect(stale.stdout).toContain('1 sent now, 0 already sent, 1 failed');
      expect(stale.stdout).toMatch(/failed +bob@example\.org: .*its code is not the invite's any more/);
      const fresh = await runVezaBeta(['invites', 'dispatch', 'new', '--rate', '100'], { cwd, env: sendEnv });
      expect(fresh.code).toBe(0);
      expect(lines(sentLog).sort()).toEqual(['ana@example.org', 'bob@example.org']);
    },
  );

  (backend.name === 'postgres' ? it : it.skip)(
    'invites revoke during a dispatch: the revoke names the email on its way, exit 1; dispatch skips what it had not claimed, says what went out revoked, exit 0',
    async () => {
      const env = await freshDatabaseEnv(backend, cwd);
      const out = join(cwd, 'out');
      const ids = await preparedFolder(env, out, emails(3, 'v'));
      const sentLog = join(cwd, 'sent.log');
      const hold = heldSend(cwd, ['v0@example.org']);
      // one email at a time: v0 is on its way, v1 and v2 are not claimed yet
      const run = runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], {
        cwd,
        env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
      });
      try {
        await hold.started();
        const onItsWay = await runVezaBeta(['invites', 'revoke', 'v0@example.org'], { cwd, env });
        expect(onItsWay.stdout).toContain(`revoked 1 invite(s): ${ids[0]}`);
        expect(onItsWay.stdout).toContain(`sending ${ids[0]}: its invitation email was being sent (a dispatch had claimed it`);
        // the code is dead, the email may not be stopped: not a plain "revoked", exit 0
        expect(onItsWay.stderr).toContain('revoked, but 1 invitation email(s) were being sent and may still arrive');
        expect(onItsWay.code).toBe(1);
        const notYet = await runVezaBeta(['invites', 'revoke', 'v2@example.org'], { cwd, env });
        expect(notYet.code).toBe(0);
        expect(notYet.stdout).not.toContain('sending');
      } finally {
        hold.release();
      }
      const done = await run;
      expect(lines(sentLog).sort()).toEqual(['v0@example.org', 'v1@example.org']);
      // v2 was revoked before this dispatch could claim it: skipped, not "with another dispatcher" (exit 1)
      expect(done.stdout).toContain(
        '2 sent now (1 of them revoked while being sent), 0 already sent, 0 failed, 0 unknown, 1 skipped (of 3).',
      );
      expect(done.stdout).toContain('skipped  v2@example.org: invite revoked');
      expect(done.stdout).toContain(
        'revoked  v0@example.org: sent, but revoked while its email was being sent: it went out, with a code that no longer works',
      );
      expect(done.stdout).not.toContain('elsewhere');
      expect(done.code).toBe(0);
      // asked again once the dispatch has ended, revoke says whether it went out; one already sent is said so too
      const after = await runVezaBeta(['invites', 'revoke', 'v0@example.org'], { cwd, env });
      expect(after.stdout).toContain(`left ${ids[0]}: already revoked; its invitation email was sent all the same`);
      const sent = await runVezaBeta(['invites', 'revoke', 'v1@example.org'], { cwd, env });
      expect(sent.stdout).toContain(`sent ${ids[1]}: its invitation email had been sent already: the person has it`);
      expect(sent.code).toBe(0);
    },
  );

  (backend.name === 'postgres' ? it : it.skip)(
    'invites cleanup during a dispatch: it says that an invite it deleted was on its way, exit 1, as revoke does',
    async () => {
      const env = await freshDatabaseEnv(backend, cwd);
      const out = join(cwd, 'out');
      const [onItsWay] = await preparedFolder(env, out, emails(1, 'x'));
      const sentLog = join(cwd, 'sent.log');
      const hold = heldSend(cwd, ['x0@example.org']);
      const run = runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], {
        cwd,
        env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
      });
      try {
        await hold.started();
        // the invite expires while its email is on its way, and the operator cleans up
        const conn = await openEnvDatabase(env);
        await setInviteExpiry(conn.db, onItsWay!, new Date(Date.now() - 60_000)).finally(() => conn.close());
        const dry = await runVezaBeta(['invites', 'cleanup', '--dry-run'], { cwd, env });
        expect(dry.stdout).toContain('would delete 1 expired unused invite(s)');
        // nothing deleted yet: its code still works, and the dry run says what the delete would do
        expect(dry.stdout).toContain(
          '1 of them claimed by a dispatch and not recorded as sent (being sent, or its outcome unknown after a crash): such an email may still arrive, and after the delete its code would match no invite',
        );
        expect(dry.code).toBe(0);
        const cleanup = await runVezaBeta(['invites', 'cleanup'], { cwd, env });
        expect(cleanup.stdout).toContain('deleted 1 expired unused invite(s)');
        expect(cleanup.stdout).toContain(
          '1 of them claimed by a dispatch and not recorded as sent (being sent, or its outcome unknown after a crash): such an email may still arrive, with a code no invite has any more',
        );
        expect(cleanup.stderr).toContain('deleted, but 1 invitation email(s) were being sent and may still arrive');
        expect(cleanup.code).toBe(1);
        // nothing claimed: a plain cleanup, exit 0
        const again = await runVezaBeta(['invites', 'cleanup'], { cwd, env });
        expect(again).toMatchObject({ code: 0, stdout: 'deleted 0 expired unused invite(s)\n' });
      } finally {
        hold.release();
      }
      await run;
    },
  );

  it('an email dispatch.log records as sent, left claimed by a run that is gone, is recorded as sent, not resent (it was unknown)', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(3, 'l'));
    // an older veza-beta's last batch when db migrate added 996_claim_guard.sql: sent, logged, its next
    // statement (which also records the batch as sent) refused; or a run killed between the two
    const conn = await openEnvDatabase(env);
    try {
      expect(await claimInvitesForSend(conn.db, [ids[1]!], 'old-vm:1:gone', 1)).toEqual([ids[1]]);
    } finally {
      await conn.close();
    }
    appendFileSync(join(out, 'dispatch.log'), `2026-11-29T07:21:30.861Z\t${ids[1]}\tl1@example.org\tsent\texit 0\n`);
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog, ['--resend-unknown', '--json']);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      sent: 2,
      alreadySent: 1,
      unknown: [],
      recordedFromLog: [{ inviteId: ids[1], email: 'l1@example.org', loggedAt: '2026-11-29T07:21:30.861Z' }],
    });
    // Before: l1 was unknown, and --resend-unknown sent it a second time
    expect(lines(sentLog).sort()).toEqual(['l0@example.org', 'l2@example.org']);
    const again = await dispatchThroughFake(env, out, sentLog);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('0 sent now, 3 already sent, 0 failed, 0 unknown, 0 skipped (of 3).');
  });

  it("a sent line counts for the claim it ended only: one of another claimer's (given back, reissued and claimed again since) leaves the email unknown", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(3, 't'));
    const conn = await openEnvDatabase(env);
    try {
      // run C claimed t1 and t2, then died before sending; the log has a sent line of t1 by an earlier
      // claim (run A's), and one of t2 by C's own claim
      expect((await claimInvitesForSend(conn.db, [ids[1]!, ids[2]!], 'old-vm:3:runc', 2)).sort()).toEqual([ids[1], ids[2]].sort());
    } finally {
      await conn.close();
    }
    appendFileSync(
      join(out, 'dispatch.log'),
      `2026-11-29T07:21:30.861Z\t${ids[1]}\tt1@example.org\tsent\texit 0\told-vm:1:runa\n` +
        `2026-11-29T08:02:11.104Z\t${ids[2]}\tt2@example.org\tsent\texit 0\told-vm:3:runc\n`,
    );
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog, ['--json']);
    const summary = JSON.parse(run.stdout) as { recordedFromLog: { inviteId: string }[]; unknown: { inviteId: string }[] };
    // Before: t1 was recorded as sent from run A's line, although C's claim (a new code) never went out
    expect(summary.recordedFromLog.map((r) => r.inviteId)).toEqual([ids[2]]);
    expect(summary.unknown.map((u) => u.inviteId)).toEqual([ids[1]]);
    expect(lines(sentLog)).toEqual(['t0@example.org']);
    expect(run.code).toBe(1);
    // this version's own lines name their claimer, and the next run reads them so
    const own = lines(join(out, 'dispatch.log'))
      .map((l) => l.split('\t'))
      .filter((f) => f[2] === 't0@example.org' && f[3] === 'sent');
    expect(own).toHaveLength(1);
    expect(own[0]![5]).toMatch(/^[^:\t]+:\d+:[0-9a-f]{6}\.\d+\.\d+$/);
  });

  it("the claims a run that is gone never handed to the mailer (no 'sending' line in dispatch.log, this boot) are given back and sent; the rest stays unknown", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(6, 'g'));
    const boot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    // runs of processes of this machine, gone now (a lock free is not enough: settleFromLog, workerProcess)
    const gonePid = async () => {
      const gone = spawn('true');
      await new Promise((resolve) => gone.once('exit', resolve));
      return gone.pid!;
    };
    const [runA, runB, runC] = [
      `${hostname()}:${await gonePid()}:runa`,
      `${hostname()}:${await gonePid()}:runb`,
      `${hostname()}:${await gonePid()}:runc`,
    ];
    const conn = await openEnvDatabase(env);
    try {
      // run A (started here on this boot) claimed g0–g2 ahead and had handed g0 to the mailer when it died;
      // run B (started here on another boot: a power cut may have lost its last lines) claimed g3;
      // run C (no 'started' line here: another folder, an older veza-beta) claimed g4
      expect(await claimInvitesForSend(conn.db, ids.slice(0, 3), runA, 3)).toHaveLength(3);
      expect(await claimInvitesForSend(conn.db, [ids[3]!], runB, 1)).toHaveLength(1);
      expect(await claimInvitesForSend(conn.db, [ids[4]!], runC, 1)).toHaveLength(1);
    } finally {
      await conn.close();
    }
    // a run's 'started' line names the file it writes to (a copy of the folder proves nothing)
    appendFileSync(join(out, 'dispatch.log'), '');
    const file = statSync(join(out, 'dispatch.log'), { bigint: true });
    const fileLog = `log ${file.dev}:${file.ino}:${file.birthtimeNs}`;
    appendFileSync(
      join(out, 'dispatch.log'),
      `2026-11-30T07:00:00.000Z\t-\t-\tstarted\tboot ${boot} ${fileLog}\t${runA}\n` +
        `2026-11-30T07:00:00.001Z\t${ids[0]}\tg0@example.org\tsending\tto the mailer\t${runA}\n` +
        `2026-11-30T06:00:00.000Z\t-\t-\tstarted\tboot 00000000-0000-4000-8000-000000000000 ${fileLog}\t${runB}\n`,
    );
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog, ['--json']);
    const summary = jsonOutput<SendSummary & { givenBackFromLog: { inviteId: string; claimedBy: string }[] }>(run.stdout);
    expect(summary.givenBackFromLog).toEqual([
      { inviteId: ids[1], email: 'g1@example.org', claimedBy: runA },
      { inviteId: ids[2], email: 'g2@example.org', claimedBy: runA },
    ]);
    expect(summary.unknown.map((u) => u.email).sort()).toEqual(['g0@example.org', 'g3@example.org', 'g4@example.org']);
    expect(lines(sentLog).sort()).toEqual(['g1@example.org', 'g2@example.org', 'g5@example.org']);
    expect(run.code).toBe(1);
    // the text says what became of them
    const text = await dispatchThroughFake(env, out, sentLog);
    expect(text.stdout).toContain('0 sent now, 3 already sent, 0 failed, 3 unknown');
    // this run's own lines: a 'started' line with this boot, then each email's 'sending' line before its outcome
    const log = lines(join(out, 'dispatch.log')).map((l) => l.split('\t'));
    const own = log.filter((f) => /^[^:\t]+:\d+:[0-9a-f]{6}\.\d+\.\d+$/.test(f[5] ?? ''));
    expect(own[0]!.slice(1, 5)).toEqual(['-', '-', 'started', `boot ${boot} ${fileLog}`]);
    for (const email of ['g1@example.org', 'g2@example.org', 'g5@example.org'])
      expect(own.filter((f) => f[2] === email).map((f) => f[3])).toEqual(['sending', 'sent']);
  });

  it('Ctrl-C stops it gracefully: the email in flight ends and is recorded (not unknown), the rest stays unsent, summary printed, exit 130', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(3, 'c'));
    const sentLog = join(cwd, 'sent.log');
    const hold = heldSend(cwd, ['c0@example.org']);
    const run = startLaunched(BIN, {
      args: ['invites', 'dispatch', out, '--rate', '100'],
      cwd,
      env: { ...childEnv(), ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
    });
    expect((await ctrlCDuringHeldSend(run, hold)).code).toBe(130);
    expect(run.output()).toContain('1 sent now, 0 already sent, 0 failed, 0 unknown');
    expect(run.output()).toContain('Dispatch INTERRUPTED: 2 email(s) were not tried and are still unsent');
    expect(lines(sentLog)).toEqual(['c0@example.org']);
    const conn = await openEnvDatabase(env);
    try {
      const states = (
        await sendStates(
          conn.db,
          readManifest(out).invites.map((i) => i.inviteId),
        )
      )
        .map((s) => s.state)
        .sort();
      expect(states).toEqual(['ready', 'ready', 'sent']); // nothing left claimed ("unknown")
    } finally {
      await conn.close();
    }
    const rest = await dispatchThroughFake(env, out, sentLog);
    expect(rest.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(3, 'c'));
  });

  it('a second Ctrl-C quits at once, says so, and ends the SEND_CMD in flight (it went on alone, past SEND_TIMEOUT); the email is then unknown', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(2, 'q'));
    const sentLog = join(cwd, 'sent.log');
    const hold = heldSend(cwd, ['q0@example.org']);
    const run = startLaunched(BIN, {
      args: ['invites', 'dispatch', out, '--rate', '100'],
      cwd,
      env: { ...childEnv(), ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
    });
    let exited;
    try {
      await hold.started();
      ctrlC(run);
      await run.waitForLine(/SIGINT: stopping after the emails in flight/);
      await new Promise((resolve) => setTimeout(resolve, 1_200)); // a second Ctrl-C, not the same one twice
      ctrlC(run);
      exited = await run.exited;
    } finally {
      hold.release();
    }
    expect(exited.code).toBe(130);
    expect(run.output()).toContain('SIGINT again: quitting now (1 SEND_CMD still running ended)');
    await new Promise((resolve) => setTimeout(resolve, 500)); // a mailer still alive would see the release and send
    expect(lines(sentLog)).toEqual([]);
    const rest = await dispatchThroughFake(env, out, sentLog);
    expect(rest.stdout).toContain('1 sent now, 0 already sent, 0 failed, 1 unknown');
  });

  it('a hangup (SIGHUP to the group: the ssh session dropped) stops it as Ctrl-C does: nothing left unknown, the rest unsent', async () => {
    // it died of SIGHUP at once: the email in flight was "unknown" (and with --concurrency, the claims taken ahead too)
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(3, 'h'));
    const sentLog = join(cwd, 'sent.log');
    const hold = heldSend(cwd, ['h0@example.org']);
    const run = startLaunched(BIN, {
      args: ['invites', 'dispatch', out, '--rate', '100'],
      cwd,
      env: { ...childEnv(), ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ...hold.env },
    });
    try {
      await hold.started();
      process.kill(-run.pid, 'SIGHUP');
      await run.waitForLine(/SIGHUP: stopping after the emails in flight/);
    } finally {
      hold.release();
    }
    expect((await run.exited).code).toBe(130);
    expect(run.output()).toContain('1 sent now, 0 already sent, 0 failed, 0 unknown');
    expect(run.output()).toContain('Dispatch INTERRUPTED');
    const rest = await dispatchThroughFake(env, out, sentLog);
    expect(rest.stdout).toContain('0 unknown');
    expect(rest.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(3, 'h'));
  });

  it("when dispatch.log cannot be written, claims and sends nothing (the run's 'started' line comes before its first claim), says which file, exits 1; the next run sends them all", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(3, 'l'));
    mkdirSync(join(out, 'dispatch.log')); // as good as a full disk for a write: EISDIR
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog);
    expect(run.code).toBe(1);
    expect(existsSync(sentLog)).toBe(false);
    expect(run.stderr).toContain(`Dispatch stopped before claiming any email: ${join(out, 'dispatch.log')} could not be written (EISDIR`);
    expect(run.stderr).toContain('Free some space or make the folder writable, then run the same command again.');
    const conn = await openEnvDatabase(env);
    try {
      // never claimed: no attempt counted, nothing "unknown"
      expect((await sendStates(conn.db, ids)).map((s) => [s.state, s.attempts])).toEqual([
        ['ready', 0],
        ['ready', 0],
        ['ready', 0],
      ]);
    } finally {
      await conn.close();
    }
    rmSync(join(out, 'dispatch.log'), { recursive: true });
    const again = await dispatchThroughFake(env, out, sentLog);
    expect(again.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(3, 'l'));
  });

  it("a FIFO or a link to a device in dispatch.log's place: no hang, nothing claimed or sent, says to remove it, exits 1", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(2, 'p'));
    const log = join(out, 'dispatch.log');
    const sentLog = join(cwd, 'sent.log');
    // before: a FIFO (mkfifo, to follow the log from another program) hung the run in its open, killed after 60 s;
    // /dev/null took every line, 'sending' ones included, and the emails went out with no record (exit 0)
    for (const make of [() => execFileSync('mkfifo', ['-m', '600', log]), () => symlinkSync('/dev/null', log)]) {
      make();
      const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], {
        cwd,
        env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
        timeoutMs: 60_000,
      });
      expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
      expect(run.stderr).toContain(
        `Dispatch stopped before claiming any email: ${log} could not be written (not a regular file: a FIFO or a device in its place keeps no record); an email goes out only once dispatch.log says so. Remove it (rm ${log}: a new one is made), then run the same command again.`,
      );
      expect(existsSync(sentLog)).toBe(false);
      rmSync(log);
    }
    const conn = await openEnvDatabase(env);
    try {
      expect((await sendStates(conn.db, ids)).map((s) => [s.state, s.attempts])).toEqual([
        ['ready', 0],
        ['ready', 0],
      ]);
    } finally {
      await conn.close();
    }
  }, 150_000);

  it('a disk that fills up mid-dispatch: no email goes out without its dispatch.log line, the rest is given back (not unknown), exit 1; the next run sends exactly the rest', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const prepared = join(cwd, 'prepared');
    const ids = await preparedFolder(env, prepared, emails(8, 'f'));
    const out = join(cwd, 'small');
    mkdirSync(out);
    // 0700: a tmpfs is mounted 1777 by default, a folder every user can write into, which dispatch refuses
    if (!mountTmpfs(out, 1024, { mode: 0o700 })) return; // not root: covered where the tests run as root (CI)
    try {
      for (const name of readdirSync(prepared)) copyFileSync(join(prepared, name), join(out, name));
      // dispatch.log's page has room for about 700 more bytes: a 'started' line and two emails' lines, about
      writeFileSync(join(out, 'dispatch.log'), `${'#'.repeat(4096 - 700)}\n`, { mode: 0o600 });
      const free = statfsSync(out);
      writeFileSync(join(out, 'filler'), Buffer.alloc(free.bavail * free.bsize)); // full
      const sentLog = join(cwd, 'sent.log');
      const env1 = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog };
      const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--json'], { cwd, env: env1 });
      expect(run.code).toBe(1);
      const summary = jsonOutput<SendSummary & { logFailure?: string; failed: { response: string }[] }>(run.stdout);
      const sent = lines(sentLog);
      expect(sent.length).toBeGreaterThan(0);
      expect(sent.length).toBeLessThan(8);
      expect(summary.sent).toBe(sent.length);
      expect(summary.unknown).toEqual([]);
      expect(summary.failed[0]?.response).toMatch(/^not sent: .*dispatch\.log could not be written/);
      expect(summary.logFailure).toMatch(/dispatch\.log could not be written .*no email was sent after that/);
      const handed = readFileSync(join(out, 'dispatch.log'), 'utf8')
        .split('\n')
        .map((l) => l.split('\t'))
        .filter((f) => f[3] === 'sending')
        .map((f) => f[2]);
      for (const email of sent) expect(handed).toContain(email);
      const conn = await openEnvDatabase(env);
      try {
        // sent, or given back: nothing left claimed ("unknown")
        const states = (await sendStates(conn.db, ids)).map((s) => s.state);
        expect(states.filter((s) => s === 'sent')).toHaveLength(sent.length);
        expect(states.filter((s) => s !== 'sent').every((s) => s === 'ready')).toBe(true);
      } finally {
        await conn.close();
      }
      rmSync(join(out, 'filler'));
      const again = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], { cwd, env: env1 });
      expect(again.code).toBe(0);
      expect(again.stdout).toContain(`${8 - sent.length} sent now, ${sent.length} already sent, 0 failed, 0 unknown`);
      expect(lines(sentLog).sort()).toEqual(emails(8, 'f'));
    } finally {
      execFileSync('umount', ['-l', out]);
    }
  }, 120_000);

  it("does not send a file that is not the invite's whole .eml (copied over another, cut short): failed, named, exit 1", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(3, 't'));
    // t1's file replaced by t0's (a bad copy), t2's cut before its closing MIME boundary (a full disk)
    copyFileSync(join(out, `${ids[0]}.eml`), join(out, `${ids[1]}.eml`));
    writeFileSync(
      join(out, `${ids[2]}.eml`),
      `To: t2@example.org\r\nX-Veza-Invite-Id: ${ids[2]}\r\nContent-Type: multipart/alternative; boundary="b1"\r\n\r\n--b1\r\nContent-Type: text/plain\r\n\r\nBonjour`,
    );
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog);
    expect(run.code).toBe(1);
    expect(lines(sentLog)).toEqual(['t0@example.org']);
    expect(run.stdout).toContain('1 sent now, 0 already sent, 2 failed');
    expect(run.stdout).toContain(`failed   t1@example.org: ${join(out, `${ids[1]}.eml`)}: it is the .eml of another invite`);
    expect(run.stdout).toContain(`failed   t2@example.org: ${join(out, `${ids[2]}.eml`)}: it is cut short`);
  });

  it("against a database that does not hold the folder's invites (a wrong DATABASE_URL): sends nothing, says so, exits 1", async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(3, 'w'));
    mkdirSync(join(cwd, 'other'));
    const other = await freshDatabaseEnv(backend, join(cwd, 'other'));
    const sentLog = join(cwd, 'sent.log');
    // the manifest names the database as prepare writes it (the fixture writes 'test')
    const preparedOn = env['DATABASE_URL'] ?? `embedded database ${join(cwd, '.veza', 'db')}`;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...readManifest(out), database: preparedOn }));
    const run = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: { ...other, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('0 sent now, 0 already sent, 0 failed, 0 unknown, 3 skipped (of 3).');
    // it named no database: the operator who prepared on the embedded one and then set DATABASE_URL was not told where the invites are
    expect(run.stdout).toContain(
      `3 invite(s) of the folder are not in this database: the folder was prepared on ${preparedOn} (its manifest.json says so): run the command again on that database (${
        env['DATABASE_URL']
          ? `DATABASE_URL=${preparedOn}, with its password`
          : `DATABASE_URL unset, and VEZA_DATA_DIR=${join(cwd, '.veza')}`
      })`,
    );
    expect(existsSync(sentLog)).toBe(false);

    // the same database, made again since: not "run it on that database"
    const usedNow = other['DATABASE_URL'] ?? `embedded database ${join(cwd, 'other', '.veza', 'db')}`;
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...readManifest(out), database: usedNow }));
    const same = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: { ...other, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });
    expect(same.stdout).toContain(
      `the folder was prepared on this database (${usedNow}, its manifest.json says so), which no longer holds them: it was replaced since`,
    );

    // no database at all where the command looks (DATABASE_URL forgotten): not only "run 'veza-beta db migrate'"
    writeFileSync(join(out, 'manifest.json'), JSON.stringify({ ...readManifest(out), database: preparedOn }));
    const none = await runVezaBeta(['invites', 'dispatch', out], {
      cwd,
      env: { VEZA_DATA_DIR: join(cwd, 'nowhere'), SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain(
      `${out} was prepared on ${preparedOn} (its manifest.json says so): dispatch it on that database; a new one, migrated, would not hold its invites.`,
    );
    expect(existsSync(sentLog)).toBe(false);
  });

  it('does not email an expired invite: lists it, says how to invite again, exits 1', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    const [, late] = await preparedFolder(env, out, emails(3, 'e'));
    const conn = await openEnvDatabase(env);
    await setInviteExpiry(conn.db, late!, new Date(Date.now() - 60_000)).finally(() => conn.close());
    const sentLog = join(cwd, 'sent.log');
    const run = await dispatchThroughFake(env, out, sentLog);
    expect(run.code).toBe(1);
    expect(lines(sentLog).sort()).toEqual(['e0@example.org', 'e2@example.org']);
    expect(run.stdout).toContain('2 sent now, 0 already sent, 0 failed, 0 unknown, 0 skipped, 1 expired (of 3).');
    expect(run.stdout).toContain('  expired  e1@example.org: not emailed, its code expired before it was sent');
    expect(run.stdout).toContain(
      "1 invite(s) expired before they were sent and were not emailed. To invite them again: 'veza-beta invites cleanup'",
    );
    expect(
      lines(join(out, 'dispatch.log'))
        .find((l) => l.includes('e1@example.org'))
        ?.split('\t')[3],
    ).toBe('expired');
    const json = await runVezaBeta(['invites', 'dispatch', out, '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ sent: 0, alreadySent: 2, expired: [{ email: 'e1@example.org' }] });
  });

  it('stops a broken mailer after FAIL_FAST_AFTER consecutive failures of one kind, says what is wrong, and a rerun sends the rest', async () => {
    const env = await freshDatabaseEnv(backend, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(12, 'b'));
    const attempts = join(cwd, 'attempts.log');
    const sentLog = join(cwd, 'sent.log');
    const broken = {
      ...env,
      SEND_CMD: FAKE_SENDMAIL,
      ATTEMPT_LOG: attempts,
      SENT_LOG: sentLog,
      BROKEN_EXIT: '78',
      BROKEN_MSG: 'msmtp: account default not found: no configuration file available',
    };
    const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], { cwd, env: broken });
    expect(run.code).toBe(1);
    expect(lines(attempts)).toHaveLength(5);
    expect(run.stdout).toContain('0 sent now, 0 already sent, 5 failed, 0 unknown, 0 skipped, 7 not tried (of 12).');
    expect(run.stdout).toContain(
      'Dispatch STOPPED after 5 consecutive failures of the same kind: exit 78: msmtp: account default not found',
    );
    expect(run.stdout).toContain('the mailer reports a configuration error (exit 78, EX_CONFIG)');
    expect(run.stdout).toContain('7 email(s) were not tried and are still unsent');

    const three = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--json'], {
      cwd,
      env: { ...broken, FAIL_FAST_AFTER: '3' },
    });
    expect(JSON.parse(three.stdout)).toMatchObject({ sent: 0, stopped: { failures: 3, notTried: 9 } });
    expect(lines(attempts)).toHaveLength(8);

    const fixed = await dispatchThroughFake(env, out, sentLog);
    expect(fixed.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(12, 'b').sort());
  });
});

const msmtp = hasMsmtp();

(msmtp ? it : it.skip)(
  'with the real msmtp and no account configured, dispatch stops after 5 attempts and names the configuration',
  async () => {
    const env = await freshDatabaseEnv(backends[0]!, cwd);
    const out = join(cwd, 'out');
    const ids = await preparedFolder(env, out, emails(9, 'u'));
    const home = join(cwd, 'home');
    mkdirSync(home);
    const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100'], {
      cwd,
      env: { ...env, HOME: home, SEND_CMD: 'msmtp -t' },
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(
      'Dispatch STOPPED after 5 consecutive failures of the same kind: exit 78: msmtp: account default not found',
    );
    expect(run.stdout).toContain('4 email(s) were not tried and are still unsent');
    const conn = await openEnvDatabase(env);
    try {
      const states = await sendStates(conn.db, ids);
      expect(states.map((s) => s.attempts).sort()).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 1]);
      expect(states.every((s) => s.state === 'ready')).toBe(true);
    } finally {
      await conn.close();
    }
  },
);

describe('invites dispatch through SMTP', () => {
  it('delivers to a real SMTP server process and reports refused recipients', async () => {
    const env = await freshDatabaseEnv(backends[0]!, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(3, 's'));
    const sink = await startSinkProcess(join(cwd, 'sink'), ['s1@example.org']);
    try {
      const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--concurrency', '2'], {
        cwd,
        env: { ...env, SMTP_URL: sink.url },
      });
      expect(run.code).toBe(1);
      expect(run.stdout).toContain('2 sent now, 0 already sent, 1 failed');
      expect(run.stdout).toMatch(/failed {3}s1@example\.org: 550/);
      expect(readdirSync(join(cwd, 'sink'))).toHaveLength(2);
    } finally {
      await sink.stop();
    }
  });

  it('the relay receives each prepared .eml as it is on the disk, its Date line set to the moment it was sent (the file itself unchanged)', async () => {
    const env = { ...(await freshDatabaseEnv(backends[0]!, cwd)), ...SETTINGS };
    writeFileSync(
      join(cwd, 'three.csv'),
      'email,cohort,sent_by\nana@example.org,date-test,\nbo@example.org,date-test,\ncy@example.org,date-test,\n',
    );
    // FORCE=1: example.org addresses and a test cohort are warnings
    const prepared = await runVezaBeta(['invites', 'prepare', 'three.csv', '--out', 'out', '--no-screenshot'], {
      cwd,
      env: { ...env, FORCE: '1' },
    });
    expect(prepared.code).toBe(0);
    const out = join(cwd, 'out');
    const names = new Map(readManifest(out).invites.map((invite) => [invite.inviteId, invite.file]));
    const files = new Map([...names].map(([id, name]) => [id, readFileSync(join(out, name), 'latin1')]));
    expect(files.size).toBe(3);
    for (const text of files.values()) expect(text).toMatch(/\nDate: [A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000\n/);
    // the dates the files hold are the prepare's: a second later at least, so that the send's cannot be the same
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const sink = await startSinkProcess(join(cwd, 'sink'));
    try {
      const start = Math.floor(Date.now() / 1000) * 1000;
      const run = await runVezaBeta(['invites', 'dispatch', out, '--rate', '100', '--concurrency', '2'], {
        cwd,
        env: { ...env, SMTP_URL: sink.url },
      });
      const end = Date.now();
      expect(run.code).toBe(0);
      const received = readdirSync(join(cwd, 'sink')).map((f) => readFileSync(join(cwd, 'sink', f), 'latin1'));
      expect(received).toHaveLength(3);
      const dateLine = /\r\nDate: ([^\r\n]*)\r\n/;
      for (const message of received) {
        const id = /\r\nX-Veza-Invite-Id: ([0-9a-f-]{36})\r\n/.exec(message)?.[1];
        const file = files.get(id!)!;
        expect(file).toBeDefined();
        const sentDate = dateLine.exec(message)![1]!;
        expect(sentDate).toMatch(/^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
        const sentAt = Date.parse(sentDate);
        expect(sentAt).toBeGreaterThanOrEqual(start);
        expect(sentAt).toBeLessThanOrEqual(end);
        expect(Date.parse(/\nDate: ([^\n]*)\n/.exec(file)![1]!)).toBeLessThan(start);
        // byte for byte the file (its line breaks as SMTP carries them, CRLF), but for the Date line's value
        expect(message.replace(dateLine, '\r\nDate: -\r\n')).toBe(file.replace(/\r?\n/g, '\r\n').replace(dateLine, '\r\nDate: -\r\n'));
        expect(readFileSync(join(out, names.get(id!)!), 'latin1')).toBe(file);
      }
    } finally {
      await sink.stop();
    }
  });
});

(postgres ? describe : describe.skip)('invites dispatch under failure (postgres)', () => {
  it('after kill -9 mid-send, the next run sends exactly the rest and reports the one in flight as unknown', async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(6, 'k'));
    const sentLog = join(cwd, 'sent.log');
    const mark = join(cwd, 'started');
    const sendEnv = childEnv({
      ...env,
      CI: 'true',
      SEND_CMD: FAKE_SENDMAIL,
      SENT_LOG: sentLog,
      SLOW_FOR: 'k3@example.org',
      STARTED_MARK: mark,
    });
    const child = spawn(process.execPath, [BIN, 'invites', 'dispatch', out, '--rate', '100'], {
      cwd,
      env: sendEnv,
      detached: true,
      stdio: 'ignore',
    });
    await killWhenStarted(child, mark);
    const before = lines(sentLog);
    expect(before).not.toContain('k3@example.org');

    const next = await dispatchThroughFake(env, out, sentLog, ['--json']);
    expect(next.code).toBe(1);
    const summary = jsonOutput<SendSummary>(next.stdout);
    expect(summary.unknown).toEqual([expect.objectContaining({ email: 'k3@example.org' })]);
    expect(summary.alreadySent + summary.sent).toBe(5);
    expect(lines(sentLog).sort()).toEqual(
      emails(6, 'k')
        .filter((e) => e !== 'k3@example.org')
        .sort(),
    );

    const resend = await runVezaBeta(['invites', 'dispatch', out, '--resend-unknown', '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    expect(resend.code).toBe(0);
    expect(JSON.parse(resend.stdout)).toMatchObject({ sent: 1, alreadySent: 5, unknown: [] });
    expect(lines(sentLog).sort()).toEqual(emails(6, 'k').sort());
  });

  it('a dispatch whose database lock is lost mid-run (its session ended) stops after the email in flight, says so, exits 1; the next run sends exactly the rest', async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(8, 'lock'));
    const sentLog = join(cwd, 'sent.log');
    // heard at once (its socket closes): 2 s of slack for a loaded machine before the held send ends
    const { run, ids } = await loseLockWithSendInHand(
      env,
      out,
      sentLog,
      'lock0@example.org',
      () => new Promise((r) => setTimeout(r, 2_000)),
    );
    expect((await run.exited).code).toBe(1);
    expect(run.output()).toContain('1 sent now, 0 already sent, 0 failed, 0 unknown, 0 skipped, 7 not tried (of 8)');
    expect(run.output()).toContain(
      "Dispatch STOPPED: its database lock was lost (the server restarted, or the connection was cut): other dispatchers could take its claims for a crash's; 7 email(s) not tried are still unsent: run the same command again.",
    );
    expect(lines(sentLog)).toEqual(['lock0@example.org']);
    const conn = await openEnvDatabase(env);
    try {
      const states = (await sendStates(conn.db, ids)).map((s) => s.state).sort();
      expect(states).toEqual(['ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'ready', 'sent']); // nothing left claimed
    } finally {
      await conn.close();
    }
    const rest = await dispatchThroughFake(env, out, sentLog);
    expect(rest.code).toBe(0);
    expect(lines(sentLog).sort()).toEqual(emails(8, 'lock').sort());
  });

  it("a dispatcher that lost its lock and still has an email with the mailer is not taken for gone when the database's clock is behind this machine's: --resend-unknown from another run leaves that email alone", async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(3, 'skew'));
    const sentLog = join(cwd, 'sent.log');
    const { run, result: resend } = await loseLockWithSendInHand(env, out, sentLog, 'skew0@example.org', async (conn, ids) => {
      // the claim as a database whose clock is 5 minutes behind this machine's dated it (now() is the server's)
      await conn.rawTransaction(async (tx) => {
        await tx.query(`SELECT set_config('veza_beta.claim_checks_code', 'on', true)`); // 996_claim_guard.sql
        await tx.query(`UPDATE beta_invites SET send_claimed_at = send_claimed_at - interval '5 minutes' WHERE id = $1`, [ids[0]!]);
      });
      return dispatchThroughFake(env, out, sentLog, ['--resend-unknown', '--json']);
    });
    // before: the claim read as older than its claimer's process, so that pid "reused", the claim unknown and sent again
    expect(lines(sentLog)).not.toContain('skew0@example.org');
    const summary = jsonOutput<SendSummary>(resend.stdout);
    expect(summary.elsewhere.map((e) => e.email)).toEqual(['skew0@example.org']);
    expect(resend.code).toBe(1);
    expect((await run.exited).code).toBe(1);
    expect(lines(sentLog).sort()).toEqual(emails(3, 'skew').sort());
  });

  it('after kill -9 at --concurrency 4, only the emails handed to the mailer are unknown (at most 4): the claims taken ahead are given back and sent', async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    const all = emails(30, 'c');
    await preparedFolder(env, out, all);
    const sentLog = join(cwd, 'sent.log');
    const attempts = join(cwd, 'attempts.log');
    const mark = join(cwd, 'started');
    const child = spawn(process.execPath, [BIN, 'invites', 'dispatch', out, '--rate', '1000', '--concurrency', '4'], {
      cwd,
      // every send takes 0.2 s and c5's hangs: when it starts, a batch of 16 is claimed and about 5 are sent
      env: childEnv({
        ...env,
        CI: 'true',
        SEND_CMD: FAKE_SENDMAIL,
        SENT_LOG: sentLog,
        ATTEMPT_LOG: attempts,
        DELAY: '0.2',
        SLOW_FOR: 'c5@example.org',
        STARTED_MARK: mark,
      }),
      detached: true,
      stdio: 'ignore',
    });
    await killWhenStarted(child, mark);
    const tried = new Set(lines(attempts));
    const handed = lines(join(out, 'dispatch.log'))
      .map((l) => l.split('\t'))
      .filter((f) => f[3] === 'sending')
      .map((f) => f[2]);
    // every email the mailer got had its 'sending' line first
    for (const email of tried) expect(handed).toContain(email);

    const next = await runVezaBeta(['invites', 'dispatch', out, '--rate', '1000', '--concurrency', '4', '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    const summary = jsonOutput<SendSummary & { givenBackFromLog?: { email: string }[] }>(next.stdout);
    const unknown = summary.unknown.map((u) => u.email);
    expect(unknown).toContain('c5@example.org');
    expect(unknown.length).toBeLessThanOrEqual(4);
    // unknown only if it may have gone out: handed to the mailer, with no outcome
    for (const email of unknown) expect(handed).toContain(email);
    // before, the claims taken ahead were unknown too (up to 27 at --concurrency 4)
    expect(summary.givenBackFromLog?.length ?? 0).toBeGreaterThan(0);
    for (const g of summary.givenBackFromLog ?? []) expect(handed).not.toContain(g.email);
    expect(summary.sent + summary.alreadySent + unknown.length).toBe(30);
    const sent = lines(sentLog);
    expect(new Set(sent).size).toBe(sent.length); // nothing twice
    expect(all.filter((e) => !sent.includes(e)).every((e) => unknown.includes(e))).toBe(true);
    expect(next.code).toBe(1);
  });

  it("a copy of the folder taken mid-run (a backup restored) holds the run's 'started' line but not its later 'sending' lines: nothing is given back from it, the folder itself still gives back", async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    const copy = join(cwd, 'copy');
    const all = emails(12, 'b');
    await preparedFolder(env, out, all);
    const sentLog = join(cwd, 'sent.log');
    const attempts = join(cwd, 'attempts.log');
    const release = join(cwd, 'release');
    const handed = (dir: string) =>
      lines(join(dir, 'dispatch.log'))
        .map((l) => l.split('\t'))
        .filter((f) => f[3] === 'sending')
        .map((f) => f[2]!);
    const until = async (what: () => boolean) => {
      for (let i = 0; i < 600 && !what(); i++) await new Promise((r) => setTimeout(r, 50));
      expect(what()).toBe(true);
    };
    const child = spawn(process.execPath, [BIN, 'invites', 'dispatch', out, '--rate', '1000', '--concurrency', '2'], {
      cwd,
      // a batch of 8 claimed; b0 and b1 held until the copy is taken, then b2 and b3 hang (killed with the run)
      env: childEnv({
        ...env,
        CI: 'true',
        SEND_CMD: FAKE_SENDMAIL,
        SENT_LOG: sentLog,
        ATTEMPT_LOG: attempts,
        HOLD_FOR: 'b0@example.org,b1@example.org',
        HOLD_UNTIL: release,
        SLOW_FOR: 'b2@example.org,b3@example.org',
        STARTED_MARK: join(cwd, 'started'),
      }),
      detached: true,
      stdio: 'ignore',
    });
    await until(() => existsSync(join(out, 'dispatch.log')) && handed(out).length === 2);
    execFileSync('cp', ['-a', out, copy]);
    writeFileSync(release, '');
    // b2 and b3 handed to the mailer, and their SEND_CMD runs begun (the line comes first, the spawn after it)
    await until(() => handed(out).length === 4 && existsSync(attempts) && lines(attempts).length === 4);
    process.kill(-child.pid!, 'SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(handed(copy).sort()).toEqual(['b0@example.org', 'b1@example.org']);
    expect(lines(attempts).sort()).toEqual(all.slice(0, 4));

    const fromCopy = await runVezaBeta(['invites', 'dispatch', copy, '--rate', '1000', '--concurrency', '2', '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ATTEMPT_LOG: attempts },
    });
    const copied = jsonOutput<SendSummary & { givenBackFromLog?: { email: string }[] }>(fromCopy.stdout);
    // before: b2 and b3, with the mailer when the run died, were given back from the copy and sent again
    expect(copied.givenBackFromLog).toBeUndefined();
    expect(copied.unknown.map((u) => u.email).sort()).toEqual(all.slice(0, 8));
    expect(lines(attempts).sort()).toEqual([...all.slice(0, 4), ...all.slice(8)].sort());
    expect(fromCopy.code).toBe(1);

    // the folder itself: its dispatch.log is the file the run wrote, the claims it never tried are given back
    const fromOut = await runVezaBeta(['invites', 'dispatch', out, '--rate', '1000', '--concurrency', '2', '--json'], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ATTEMPT_LOG: attempts },
    });
    const settled = jsonOutput<SendSummary & { givenBackFromLog?: { email: string }[] }>(fromOut.stdout);
    expect(settled.givenBackFromLog?.map((g) => g.email).sort()).toEqual(all.slice(4, 8));
    expect(settled.unknown.map((u) => u.email).sort()).toEqual(['b2@example.org', 'b3@example.org']);
    const tried = lines(attempts);
    expect(new Set(tried).size).toBe(tried.length); // nothing twice
    expect(tried.sort()).toEqual([...all].sort());
    expect(fromOut.code).toBe(1);
  });

  it('two dispatchers started at once never send one invite twice', async () => {
    const env = await freshDatabaseEnv(postgres!, cwd);
    const out = join(cwd, 'out');
    const all = emails(40, 'p');
    await preparedFolder(env, out, all);
    const sentLog = join(cwd, 'sent.log');
    const attempts = join(cwd, 'attempts.log');
    // Every send is held until both dispatchers have one with the mailer (one each: one email in flight at a time), so
    // that both send some: a start of one far behind the other (a loaded machine) let the first send all 40.
    const hold = heldSend(cwd, all);
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog, ATTEMPT_LOG: attempts, DELAY: '0.05', ...hold.env };
    const runs = [
      runVezaBeta(['invites', 'dispatch', out, '--rate', '1000', '--json'], { cwd, env: sendEnv }),
      runVezaBeta(['invites', 'dispatch', out, '--rate', '1000', '--json'], { cwd, env: sendEnv }),
    ] as const;
    let bothInFlight = false;
    try {
      for (let i = 0; i < 1_200 && !bothInFlight; i++) {
        await new Promise((r) => setTimeout(r, 50));
        bothInFlight = lines(attempts).length === 2;
      }
    } finally {
      hold.release();
    }
    const [a, b] = await Promise.all(runs);
    expect(bothInFlight).toBe(true);
    const sent = lines(sentLog);
    expect(sent).toHaveLength(40);
    expect(new Set(sent).size).toBe(40);
    const [sa, sb] = [jsonOutput<SendSummary>(a.stdout), jsonOutput<SendSummary>(b.stdout)];
    expect(sa.sent + sb.sent).toBe(40);
    expect(sa.sent).toBeGreaterThan(0);
    expect(sb.sent).toBeGreaterThan(0);
    // The one that ends last sees every email recorded (exit 0). The one that ends first may still see the
    // other's last sends in flight: those are "elsewhere", not a success of its own, so its exit is then 1.
    for (const [run, summary] of [
      [a, sa],
      [b, sb],
    ] as const) {
      expect(summary).toMatchObject({ failed: [], unknown: [] });
      expect(summary.sent + summary.alreadySent + summary.elsewhere.length).toBe(40);
      expect(run.code).toBe(summary.elsewhere.length > 0 ? 1 : 0);
    }
    expect([a.code, b.code]).toContain(0);
  });
});
