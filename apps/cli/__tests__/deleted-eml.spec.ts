import { expect } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, emails, freshDatabaseEnv, lines, preparedFolder } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// The shell version's review step: look at out-<date>/, delete the .eml of
// whoever should not get one, then SEND=1. Here that email failed with a bare
// "ENOENT: no such file or directory" and "Run the same command again to retry
// the failed ones", which fails the same way every time.

const pglite = testBackends().find((b) => b.name === 'pglite')!;

describe('an .eml deleted from a prepared folder', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-deleted-eml-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is not sent, says how to leave the person out or send it after all, and a revoke settles it', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    const [dropped] = await preparedFolder(env, out, emails(2, 'rev'));
    rmSync(join(out, `${dropped}.eml`));
    const sentLog = join(cwd, 'sent.log');
    const sendEnv = { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog };

    const first = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: sendEnv });
    expect(first.code).toBe(1);
    expect(lines(sentLog)).toEqual(['rev1@example.org']);
    expect(first.stdout).toContain(
      `  failed   rev0@example.org: ${join(out, `${dropped}.eml`)}: no such file (deleted after the review?); not sent. To leave rev0@example.org out, run: veza-beta invites revoke rev0@example.org; to send it after all, give it a new .eml: veza-beta invites prepare COHORT.csv --reissue-unsent`,
    );
    expect(first.stdout).not.toContain('ENOENT');

    expect((await runVezaBeta(['invites', 'revoke', 'rev0@example.org'], { cwd, env })).code).toBe(0);
    const second = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: sendEnv });
    expect({ code: second.code, skipped: second.stdout.includes('skipped  rev0@example.org: invite revoked') }).toEqual({
      code: 0,
      skipped: true,
    });
    expect(lines(sentLog)).toEqual(['rev1@example.org']);
  });

  it('a FIFO or a link to a device in place of an .eml is not sent and does not hang the run: that email fails, the others go', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    const [fifo, device] = await preparedFolder(env, out, emails(3, 'odd'));
    rmSync(join(out, `${fifo}.eml`));
    execFileSync('mkfifo', [join(out, `${fifo}.eml`)]);
    rmSync(join(out, `${device}.eml`));
    symlinkSync('/dev/zero', join(out, `${device}.eml`));
    const sentLog = join(cwd, 'sent.log');
    // a plain open of the FIFO waited for a writer, and /dev/zero was read without end: killed after 60 s
    const run = await runVezaBeta(['invites', 'dispatch', out], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
      timeoutMs: 60_000,
    });
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
    expect(lines(sentLog)).toEqual(['odd2@example.org']);
    for (const [id, email] of [
      [fifo, 'odd0@example.org'],
      [device, 'odd1@example.org'],
    ])
      expect(run.stdout).toContain(
        `  failed   ${email}: ${join(out, `${id}.eml`)}: not a regular file; not sent (give the invite a new .eml: invites prepare --reissue-unsent)`,
      );
  }, 90_000);

  it('a FIFO in place of manifest.json is refused at once, naming the file, nothing claimed or sent', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(2, 'mf'));
    rmSync(join(out, 'manifest.json'));
    execFileSync('mkfifo', [join(out, 'manifest.json')]);
    const sentLog = join(cwd, 'sent.log');
    // a plain open of the FIFO waited for a writer, before any lock or claim: killed after 30 s
    const run = await runVezaBeta(['invites', 'dispatch', out], {
      cwd,
      env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
      timeoutMs: 30_000,
    });
    expect({ code: run.code, signal: run.signal }).toEqual({ code: 1, signal: null });
    expect(run.stderr).toContain(`${join(out, 'manifest.json')}: not a regular file (a FIFO, a device or a folder in its place)`);
    expect(lines(sentLog)).toEqual([]);
  }, 60_000);
});
