import { expect } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@veza/test-support';
import { testBackends } from '@veza/invites-db/testing';
import { FAKE_SENDMAIL, emails, freshDatabaseEnv, lines, preparedFolder } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// The seed's habit is `SEND_CMD="msmtp -a veza -t" SEND=1 …`. With a SMTP_URL
// left in the .env (a relay a teammate tried), SMTP_URL won, as documented,
// and nothing said so: no summary names the transport, and the operator's
// SEND_CMD was never run.

const pglite = testBackends().find((b) => b.name === 'pglite')!;

describe('SMTP_URL and SEND_CMD both set', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-two-transports-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('dispatch says once that SEND_CMD is not used and which transport is, without the password', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(2, 'two'));
    const sentLog = join(cwd, 'sent.log');
    const port = await freePort(); // nothing listens there: every email fails, and the run ends quickly
    const run = await runVezaBeta(['invites', 'dispatch', out, '--retries', '0'], {
      cwd,
      env: { ...env, SMTP_URL: `smtp://ops:s3cret-pw@127.0.0.1:${port}`, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
    });
    expect(run.code).toBe(1);
    expect(lines(sentLog)).toEqual([]); // SEND_CMD was not run
    const warning = run.stderr.split('\n').filter((line) => line.includes('SEND_CMD is set but not used'));
    expect(warning).toEqual([
      `veza-beta: warning: SEND_CMD is set but not used: SMTP_URL is set too, and the emails go through it (SMTP smtp://ops:***@127.0.0.1:${port}); unset SMTP_URL to send through SEND_CMD, or unset SEND_CMD.`,
    ]);
    expect(run.stderr + run.stdout).not.toContain('s3cret-pw');

    // one of them alone: nothing to say
    const alone = await runVezaBeta(['invites', 'dispatch', out], { cwd, env: { ...env, SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog } });
    expect(alone.code).toBe(0);
    expect(alone.stderr).not.toContain('SEND_CMD is set but not used');
    expect(lines(sentLog).sort()).toEqual(['two0@example.org', 'two1@example.org']);
  });

  it('a blank SEND_CMD beside a SMTP_URL is not a configuration error: SEND_CMD is not used, and dispatch says so', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const out = join(cwd, 'out');
    await preparedFolder(env, out, emails(1, 'blank'));
    const port = await freePort(); // nothing listens: the email fails, through SMTP_URL, not msmtp -t
    const run = await runVezaBeta(['invites', 'dispatch', out, '--retries', '0'], {
      cwd,
      env: { ...env, SMTP_URL: `smtp://127.0.0.1:${port}`, SEND_CMD: '' },
    });
    expect({ code: run.code, configurationError: run.stderr.includes('configuration error') }).toEqual({
      code: 1,
      configurationError: false,
    });
    expect(run.stderr).toContain(
      `veza-beta: warning: SEND_CMD is set but not used: SMTP_URL is set too, and the emails go through it (SMTP smtp://127.0.0.1:${port})`,
    );
    expect(run.stdout + run.stderr).toMatch(/1 failed/);
  });
});
