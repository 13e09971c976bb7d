import { expect } from '@jest/globals';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { SETTINGS, freshDatabaseEnv } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// The seed's habit is `SEND_CMD=… SEND=1 …` on one line; with the variable it
// names missing from the shell (`SMTP_URL=$RELAY_URL`, `SEND_CMD=$MAILER`,
// `VEZA_DATA_DIR=$DATA`) the value is blank. Read as unset, a blank SMTP_URL
// hid the relay of the .env and a blank SEND_CMD meant `msmtp -t`: the emails
// went through whatever account this machine's msmtp uses, exit 0. A blank
// VEZA_DATA_DIR made a database in the working directory, which no redemption
// API reads, and emailed its codes, exit 0. Each is now refused (exit 3), as a
// blank DATABASE_URL is.

const pglite = testBackends().find((b) => b.name === 'pglite')!;

describe('SMTP_URL, SEND_CMD or VEZA_DATA_DIR set but blank', () => {
  let cwd: string;
  let bin: string;
  let msmtpLog: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-blank-transport-'));
    // the machine's msmtp: what a blank SEND_CMD or SMTP_URL used to send through
    bin = join(cwd, 'bin');
    msmtpLog = join(cwd, 'msmtp.log');
    mkdirSync(bin);
    writeFileSync(join(bin, 'msmtp'), `#!/bin/sh\ngrep -m1 '^To:' >> '${msmtpLog}'\necho queued\n`);
    chmodSync(join(bin, 'msmtp'), 0o755);
    writeFileSync(join(cwd, 'me.csv'), 'ops@veza.fr,test-cohort,\n');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const outFolders = () => readdirSync(cwd).filter((name) => name.startsWith('out-'));

  it('a blank SMTP_URL does not hide the relay of the .env nor send through msmtp: exit 3, naming it, nothing prepared', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    writeFileSync(join(cwd, '.env'), 'SMTP_URL=smtp://ops:s3cret-pw@127.0.0.1:1\n');
    for (const blank of ['', ' ']) {
      const run = await runVezaBeta(['invites', 'send', 'me.csv'], {
        cwd,
        env: { ...SETTINGS, ...env, SMTP_URL: blank, FORCE: '1', SEND: '1', PATH: `${bin}:${process.env['PATH']}` },
      });
      expect({ code: run.code, stderr: run.stderr }).toEqual({
        code: 3,
        stderr: expect.stringContaining('veza-beta: configuration error: SMTP_URL is set but empty'),
      });
      expect(run.stderr + run.stdout).not.toContain('s3cret-pw');
    }
    expect(existsSync(msmtpLog)).toBe(false);
    expect(outFolders()).toEqual([]);

    // outbox drain refuses it alike; so does preflight (exit 3 as for any bad setting, with the others), sending nothing
    const drain = await runVezaBeta(['outbox', 'drain'], {
      cwd,
      env: { ...SETTINGS, ...env, SMTP_URL: '', PATH: `${bin}:${process.env['PATH']}` },
    });
    expect({ code: drain.code, refused: drain.stderr.includes('SMTP_URL is set but empty') }).toEqual({ code: 3, refused: true });
    const preflight = await runVezaBeta(['preflight', '--send-test-to', 'ops@veza.fr'], {
      cwd,
      env: { ...SETTINGS, ...env, SMTP_URL: '', PROM_5XX_MAX: 'abc', PATH: `${bin}:${process.env['PATH']}` },
    });
    expect({ code: preflight.code, stdout: preflight.stdout }).toEqual({ code: 3, stdout: '' });
    expect(preflight.stderr).toContain('veza-beta: configuration error: SMTP_URL is set but empty');
    expect(preflight.stderr).toContain('veza-beta: configuration error: PROM_5XX_MAX');
    expect(existsSync(msmtpLog)).toBe(false);
    // a phase that reads no transport is not refused for it
    const hourOne = await runVezaBeta(['preflight', '--phase', 'hour-1'], { cwd, env: { ...SETTINGS, ...env, SMTP_URL: '' } });
    expect([hourOne.code === 3, hourOne.stderr]).toEqual([false, expect.not.stringContaining('SMTP_URL')]);
  });

  it('a blank SEND_CMD is not the default msmtp -t: exit 3, naming it, nothing sent', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const run = await runVezaBeta(['invites', 'send', 'me.csv'], {
      cwd,
      env: { ...SETTINGS, ...env, SEND_CMD: '', FORCE: '1', SEND: '1', PATH: `${bin}:${process.env['PATH']}` },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 3,
      stderr: expect.stringContaining(
        "veza-beta: configuration error: SEND_CMD is set but empty (a variable unset in the shell, as in SEND_CMD=$MAILER?): give the command, or unset SEND_CMD (and remove it from .env) to use the default 'msmtp -t'",
      ),
    });
    expect(existsSync(msmtpLog)).toBe(false);
    expect(outFolders()).toEqual([]);
  });

  it('a blank VEZA_DATA_DIR is not .veza/ of the working directory: exit 3, naming it, no database made, nothing sent', async () => {
    const run = await runVezaBeta(['invites', 'send', 'me.csv'], {
      cwd,
      env: { ...SETTINGS, VEZA_DATA_DIR: '', FORCE: '1', SEND: '1', PATH: `${bin}:${process.env['PATH']}` },
    });
    expect({ code: run.code, stderr: run.stderr }).toEqual({
      code: 3,
      stderr: expect.stringContaining('veza-beta: configuration error: VEZA_DATA_DIR is set but empty'),
    });
    expect(existsSync(join(cwd, '.veza'))).toBe(false);
    expect(existsSync(msmtpLog)).toBe(false);
    expect(outFolders()).toEqual([]);
    // unset still means .veza/ in the working directory (a command that reads makes nothing)
    const report = await runVezaBeta(['invites', 'report'], { cwd, env: { ...SETTINGS } });
    expect(report.stderr).not.toContain('VEZA_DATA_DIR is set but empty');
  });

  it('gates check and decision report refuse a blank VEZA_DATA_DIR too when .veza/ is in the working directory (they read it instead, exit 0)', async () => {
    // the operator's scratch folder holds a demo's or a test's .veza/: the gates ran on it, the report was written from it
    const migrate = await runVezaBeta(['db', 'migrate'], { cwd, env: { ...SETTINGS } });
    expect(migrate.code).toBe(0);
    for (const args of [
      ['decision', 'report', '--out', 'rep'],
      ['gates', 'check'],
    ]) {
      const run = await runVezaBeta(args, { cwd, env: { ...SETTINGS, VEZA_DATA_DIR: '', TESTERS_TARGET: '1' } });
      expect([args, run.code, run.stderr.includes('configuration error: VEZA_DATA_DIR is set but empty')]).toEqual([args, 3, true]);
    }
    expect(existsSync(join(cwd, 'rep'))).toBe(false);
  });
});

describe('VEZA_DATA_DIR naming the database folder itself', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-data-dir-db-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('VEZA_DATA_DIR=…/.veza/db (the path the commands print) is exit 3 naming the folder to give: db migrate made a second, empty database inside the first, exit 0', async () => {
    await freshDatabaseEnv(pglite, cwd);
    const dbDir = join(cwd, '.veza', 'db');
    for (const args of [
      ['db', 'migrate'],
      ['invites', 'report'],
    ]) {
      const run = await runVezaBeta(args, { cwd, env: { ...SETTINGS, VEZA_DATA_DIR: dbDir } });
      expect([args, run.code]).toEqual([args, 3]);
      expect(run.stderr).toContain(
        `veza-beta: configuration error: VEZA_DATA_DIR is the database folder itself (${dbDir} holds PG_VERSION)`,
      );
      expect(run.stderr).toContain(`set VEZA_DATA_DIR=${join(cwd, '.veza')}`);
    }
    expect(existsSync(join(dbDir, 'db'))).toBe(false);
    // the folder above db/ is the setting, and works
    expect((await runVezaBeta(['invites', 'report'], { cwd, env: { ...SETTINGS, VEZA_DATA_DIR: join(cwd, '.veza') } })).code).toBe(0);
  });
});
