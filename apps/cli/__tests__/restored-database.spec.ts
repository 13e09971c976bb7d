import { expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, freshDatabaseEnv, lines, openEnvDatabase, readManifest, SETTINGS } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// The database restored from a backup taken before `SEND=1 invites send`, after the emails went out: the
// codes in people's inboxes are gone from it. The next `SEND=1 invites send` of the same file created their
// invites again and mailed each of them a second code, exit 0, with nothing said.

/** A statement on the database a CLI env points at, closed again (PGlite has one user at a time). */
async function inDatabase(env: NodeJS.ProcessEnv, statement: string): Promise<void> {
  const conn = await openEnvDatabase(env);
  try {
    await conn.rawTransaction((tx) => tx.query(statement));
  } finally {
    await conn.close();
  }
}

/** A code as the emails and the CLI would show it: never printed. */
const CODE = /\b[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}-?[0-9A-HJKMNP-TV-Z]{4}\b/;

describe.each(testBackends())('a database restored from a backup older than the send, on $name', (backend) => {
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-restored-'));
    env = { ...SETTINGS, ...(await freshDatabaseEnv(backend, cwd)), SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') };
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('does not mail a second code unannounced: prepare skips whom the folders say were emailed, exit 1; --reinvite-lost sends it', async () => {
    writeFileSync(join(cwd, 'cohort.csv'), 'email,cohort\nada@example.org,fans\nbo@example.org,fans\n');
    const send = (out: string, ...more: string[]) =>
      runVezaBeta(['invites', 'send', 'cohort.csv', '--out', out, '--force', '--no-screenshot', ...more], {
        cwd,
        env: { ...env, SEND: '1' },
      });
    expect((await send('day1')).code).toBe(0);
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'bo@example.org']);

    // the backup had none of these invites (taken before the send); bo's invite had expired by now, which the
    // manifest says: `invites cleanup` deletes such invites, and a new one is the normal next step for them
    await inDatabase(env, 'DELETE FROM beta_invites');
    const manifest = readManifest(join(cwd, 'day1'));
    for (const invite of manifest.invites) if (invite.email === 'bo@example.org') invite.expiresAt = '2026-01-01T00:00:00.000Z';
    writeFileSync(join(cwd, 'day1', 'manifest.json'), JSON.stringify(manifest));

    const again = await send('day2');
    expect(again.stderr).not.toContain('unexpected error');
    expect(again.stdout).toContain('prepared day2: 1 email(s) rendered, 1 skipped, 0 failed.');
    expect(again.stdout).toMatch(
      /skipped {2}line 2 ada@example\.org: emailed on \d{4}-\d\d-\d\d from day1 \(its dispatch\.log says so\) with a code this database no longer has: not invited again; to send a new code, add --reinvite-lost/,
    );
    expect(again.stdout).toContain('1 person(s) of the file were emailed an invitation whose code this database no longer has');
    expect(again.stdout.replaceAll('XXXX-XXXX-XXXX-XXXX', '')).not.toMatch(CODE); // the preview's placeholder aside
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'bo@example.org', 'bo@example.org']);
    expect(again.code).toBe(1);

    // the resume of the first folder says who holds a dead code, and sends nothing
    const resume = await runVezaBeta(['invites', 'dispatch', 'day1'], { cwd, env: { ...env, SEND: '1' } });
    expect(resume.stdout).toContain('2 of them were emailed before (dispatch.log says so): their links answer "invalid code"');
    expect(resume.stdout).toContain("'veza-beta invites prepare COHORT.csv --reinvite-lost --out out-new'");
    expect(resume.code).toBe(1);

    // the operator told them, and means it
    const reinvited = await send('day3', '--reinvite-lost');
    expect(reinvited.stdout).toContain('prepared day3: 1 email(s) rendered, 1 skipped, 0 failed.');
    expect(reinvited.code).toBe(0);
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'ada@example.org', 'bo@example.org', 'bo@example.org']);
    expect(readFileSync(join(cwd, 'day3', 'manifest.json'), 'utf8')).toMatch(/"expiresAt": "\d{4}-/);
  }, 60_000);

  it('a person whose email the mailer refused was never emailed: invited as anyone else, not held back as "lost"', async () => {
    writeFileSync(join(cwd, 'cohort.csv'), 'email,cohort\nada@example.org,fans\nbo@example.org,fans\n');
    const send = (out: string, more: NodeJS.ProcessEnv = {}) =>
      runVezaBeta(['invites', 'send', 'cohort.csv', '--out', out, '--force', '--no-screenshot'], {
        cwd,
        env: { ...env, SEND: '1', ...more },
      });
    // bo's address was refused for good (550): dispatch.log has its 'sending' line, then its 'failed' line
    expect((await send('day1', { FAIL_FOR: 'bo@example.org' })).code).toBe(1);
    expect(readFileSync(join(cwd, 'day1', 'dispatch.log'), 'utf8')).toMatch(/\tbo@example\.org\tfailed\t/);
    expect(lines(join(cwd, 'sent.log'))).toEqual(['ada@example.org']);

    await inDatabase(env, 'DELETE FROM beta_invites');
    const again = await send('day2');
    // before: "2 skipped", bo's line said "(handed to the mailer, outcome unknown)", and bo was not invited
    expect(again.stdout).toContain('prepared day2: 1 email(s) rendered, 1 skipped, 0 failed.');
    expect(again.stdout).toMatch(/skipped {2}line 2 ada@example\.org: emailed on /);
    expect(again.stdout).not.toMatch(/skipped {2}line 3 bo@example\.org/);
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'bo@example.org']);
    expect(again.code).toBe(1); // ada's

    const resume = await runVezaBeta(['invites', 'dispatch', 'day1'], { cwd, env: { ...env, SEND: '1' } });
    expect(resume.stdout).toContain('1 of them were emailed before (dispatch.log says so)');
  }, 60_000);

  it('a backup taken between prepare and dispatch: the dispatch after the restore does not send the emails dispatch.log says went out', async () => {
    writeFileSync(join(cwd, 'cohort.csv'), 'email,cohort\nada@example.org,fans\nbo@example.org,fans\n');
    const prepared = await runVezaBeta(['invites', 'prepare', 'cohort.csv', '--out', 'day1', '--force', '--no-screenshot'], { cwd, env });
    expect(prepared.code).toBe(0);
    expect((await runVezaBeta(['invites', 'dispatch', 'day1'], { cwd, env })).code).toBe(0);
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'bo@example.org']);

    // the backup held both invites, prepared and not sent yet: their codes are the ones in the inboxes
    await inDatabase(env, 'UPDATE beta_invites SET sent_at = NULL, send_claimed_at = NULL, send_claimed_by = NULL, send_attempts = 0');
    const resume = await runVezaBeta(['invites', 'dispatch', 'day1'], { cwd, env });
    // before: "2 sent now", exit 0: each person got the same invitation a second time
    expect(lines(join(cwd, 'sent.log')).sort()).toEqual(['ada@example.org', 'bo@example.org']);
    expect(resume.stdout).toContain('dispatch of day1: 0 sent now, 2 already sent, 0 failed, 0 unknown, 0 skipped (of 2).');
    expect(resume.stdout).toMatch(
      /recorded ada@example\.org: sent at \S+ \(dispatch\.log says so\), but unsent in this database \(restored from a backup taken before that send\?\): recorded as sent now, not sent again/,
    );
    expect(resume.code).toBe(0);
    const report = await runVezaBeta(['invites', 'report'], { cwd, env });
    expect(report.stdout).toMatch(/total +2 +2 +0/);
  }, 60_000);
});
