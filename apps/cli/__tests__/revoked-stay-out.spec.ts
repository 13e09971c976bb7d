import { expect } from '@jest/globals';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, freshDatabaseEnv, lines, openEnvDatabase, SETTINGS } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// A person who asks to be left out is revoked (`invites revoke EMAIL`, the
// operator guide's way). The next day's cohort file still lists them: it was
// built from the same mailing list. `SEND=1 invites send` used to invite and
// email them again, exit 0, with nothing said.

/** One statement on the database a CLI env points at, closed again (PGlite has one user at a time). */
async function inDatabase(env: NodeJS.ProcessEnv, statement: string): Promise<Record<string, unknown>[]> {
  const conn = await openEnvDatabase(env);
  try {
    return await conn.rawTransaction((tx) => tx.query<Record<string, unknown>>(statement));
  } finally {
    await conn.close();
  }
}

const eml = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.eml'));

describe.each(testBackends())('a revoked address is not invited again by the next cohort, on $name', (backend) => {
  let cwd: string;
  let env: NodeJS.ProcessEnv;
  beforeEach(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-revoked-'));
    env = { ...SETTINGS, ...(await freshDatabaseEnv(backend, cwd)), SEND_CMD: FAKE_SENDMAIL, SENT_LOG: join(cwd, 'sent.log') };
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('skips it with the reason and the option; --reinvite-revoked invites it again', async () => {
    writeFileSync(join(cwd, 'day1.csv'), 'email,cohort\nstay@example.org,fans\nleave@example.org,fans\n');
    const day1 = await runVezaBeta(['invites', 'prepare', 'day1.csv', '--out', 'day1', '--force', '--no-screenshot'], { cwd, env });
    expect(day1.code).toBe(0);

    const revoke = await runVezaBeta(['invites', 'revoke', 'Leave@Example.org'], { cwd, env });
    expect(revoke.code).toBe(0);

    // the next day: the same two people, in another case, and a new one
    writeFileSync(join(cwd, 'day2.csv'), 'email,cohort\nSTAY@example.org,fans\nLEAVE@example.org,fans\nnew@example.org,fans\n');
    const day2 = await runVezaBeta(['invites', 'send', 'day2.csv', '--out', 'day2', '--force', '--no-screenshot'], {
      cwd,
      env: { ...env, SEND: '1' },
    });
    expect(day2.stderr).not.toContain('unexpected error');
    expect(day2.stdout).toContain('prepared day2: 1 email(s) rendered, 2 skipped, 0 failed.');
    // the day of the revoke is UTC's (the folders use the machine's day): labelled
    expect(day2.stdout).toMatch(
      /skipped {2}line 3 LEAVE@example\.org: this email's invite was revoked \(\d{4}-\d{2}-\d{2} UTC\): not invited again/,
    );
    expect(day2.stdout).toContain('not invited again; if that was to fix a bounce or resend, add --reinvite-revoked');
    expect(eml(join(cwd, 'day2'))).toHaveLength(1);
    expect(readFileSync(join(cwd, 'sent.log'), 'utf8').split('\n').filter(Boolean).sort()).toEqual(['new@example.org', 'stay@example.org']);
    expect(day2.code).toBe(0);

    // the operator means it (a bounce fixed, a full mailbox): the address is invited again
    const again = await runVezaBeta(
      ['invites', 'prepare', 'day2.csv', '--out', 'day3', '--force', '--no-screenshot', '--reinvite-revoked'],
      {
        cwd,
        env,
      },
    );
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('prepared day3: 1 email(s) rendered, 2 skipped, 0 failed.');
    expect(eml(join(cwd, 'day3'))).toHaveLength(1);
  });

  // `invites cleanup` deletes expired invites, revoked ones too: the revoked row was the only memory that
  // the person asked to be left out, and the next cohort file emailed them again, exit 0.
  it('stays left out after invites cleanup deleted the revoked invite, keeping a digest and not the address', async () => {
    writeFileSync(join(cwd, 'day1.csv'), 'email,cohort\nleave@example.org,fans\n');
    expect((await runVezaBeta(['invites', 'prepare', 'day1.csv', '--out', 'day1', '--force', '--no-screenshot'], { cwd, env })).code).toBe(
      0,
    );
    expect((await runVezaBeta(['invites', 'revoke', 'leave@example.org'], { cwd, env })).code).toBe(0);
    await inDatabase(env, `UPDATE beta_invites SET expires_at = now() - interval '1 day'`);
    const cleanup = await runVezaBeta(['invites', 'cleanup'], { cwd, env });
    expect(cleanup.stdout).toContain('deleted 1 expired unused invite(s)');
    expect(cleanup.stdout).toContain('kept 1 address(es) as left out');
    expect(cleanup.code).toBe(0);

    writeFileSync(join(cwd, 'day2.csv'), 'email,cohort\nLeave@Example.org,fans\nnew@example.org,fans\n');
    const day2 = await runVezaBeta(['invites', 'send', 'day2.csv', '--out', 'day2', '--force', '--no-screenshot'], {
      cwd,
      env: { ...env, SEND: '1' },
    });
    expect(day2.stdout).toContain("skipped  line 2 Leave@Example.org: this email's invite was revoked (");
    expect(lines(join(cwd, 'sent.log'))).toEqual(['new@example.org']);
    expect(day2.code).toBe(0);

    const kept = await inDatabase(env, 'SELECT * FROM beta_invite_left_out');
    expect(kept).toHaveLength(1);
    expect(JSON.stringify(kept)).not.toMatch(/leave/i); // the address itself is not kept

    // undone on purpose: invited again, and the record goes with it (a later cleanup would not bring it back)
    const again = await runVezaBeta(
      ['invites', 'prepare', 'day2.csv', '--out', 'day3', '--force', '--no-screenshot', '--reinvite-revoked'],
      {
        cwd,
        env,
      },
    );
    expect(again.stdout).toContain('prepared day3: 1 email(s) rendered, 1 skipped, 0 failed.');
    expect(eml(join(cwd, 'day3'))).toHaveLength(1);
    expect(await inDatabase(env, 'SELECT * FROM beta_invite_left_out')).toEqual([]);
  });
});
