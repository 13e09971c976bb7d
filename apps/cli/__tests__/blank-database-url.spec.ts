import { expect } from '@jest/globals';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FAKE_SENDMAIL, SETTINGS, lines } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// The seed checklist's test send, pasted in a shell where STAGING_DATABASE_URL
// is not set: `DATABASE_URL=$STAGING_DATABASE_URL … SEND=1 … /tmp/me.csv`.
// DATABASE_URL was then blank, read as unset: the invite was created in a new
// embedded database of the folder and its email sent, exit 0, with a code the
// staging redemption API had never heard of.

const REFUSAL = 'veza-beta: configuration error: DATABASE_URL is set but empty';

describe('a DATABASE_URL that is set but blank', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-blank-db-'));
    writeFileSync(join(cwd, 'me.csv'), 'ops@veza.fr,test-cohort,\n');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is refused before anything is created or sent (exit 3), not taken for the embedded database', async () => {
    const sentLog = join(cwd, 'sent.log');
    for (const blank of ['', '  ']) {
      const run = await runVezaBeta(['invites', 'send', 'me.csv'], {
        cwd,
        env: { ...SETTINGS, DATABASE_URL: blank, FORCE: '1', SEND: '1', SEND_CMD: FAKE_SENDMAIL, SENT_LOG: sentLog },
      });
      expect({ code: run.code, refused: run.stderr.includes(REFUSAL) }).toEqual({ code: 3, refused: true });
      expect(run.stderr).toContain('unset DATABASE_URL (and remove it from .env) to use the embedded database');
    }
    expect(lines(sentLog)).toEqual([]);
    expect(existsSync(join(cwd, '.veza'))).toBe(false);
    expect(readdirSync(cwd).filter((name) => name.startsWith('out-'))).toEqual([]);
  });

  it('does not hide the URL a .env gives: refused too, and the other commands refuse it alike', async () => {
    writeFileSync(join(cwd, '.env'), 'DATABASE_URL=postgres://veza:s3cret@127.0.0.1:1/veza\n');
    for (const args of [['db', 'migrate'], ['invites', 'report'], ['preflight'], ['cohort', 'validate', 'me.csv', '--check-users']]) {
      const run = await runVezaBeta(args, { cwd, env: { ...SETTINGS, DATABASE_URL: '' } });
      expect({ args, code: run.code, refused: run.stderr.includes(REFUSAL) }).toEqual({ args, code: 3, refused: true });
      expect(run.stderr).not.toContain('s3cret');
    }
    const loop = await runVezaBeta(['gates', 'check'], { cwd, env: { DATABASE_URL: '', LOOP: '1' } });
    expect({ code: loop.code, refused: loop.stderr.includes('DATABASE_URL is set but empty') }).toEqual({ code: 3, refused: true });
    expect(existsSync(join(cwd, '.veza'))).toBe(false);
  });
});
