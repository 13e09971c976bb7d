import { problemText } from '@veza/invite-rules';
import { expect } from '@jest/globals';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backupCheck, backupVerdict, drillCheck, launchSettingsFromEnv, runCommand } from '../index.js';
import type { LaunchSettings } from '../index.js';

const now = new Date('2026-12-01T12:00:00.000Z');
const epoch = (hoursAgo: number) => Math.round(now.getTime() / 1000 - hoursAgo * 3600);
/** pgbackrest info --output=json, as pgBackRest 2.x prints it */
const info = (backups: { type: string; hoursAgo: number; error?: boolean }[], code = 0) => [
  {
    name: 'veza',
    status: { code, message: code === 0 ? 'ok' : 'missing stanza path' },
    backup: backups.map((b, i) => ({
      label: `20261201-0${i}F`,
      type: b.type,
      timestamp: { start: epoch(b.hoursAgo) - 600, stop: epoch(b.hoursAgo) },
      error: b.error ?? false,
    })),
  },
];

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'veza-cmd-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function settingsWith(env: Record<string, string>): LaunchSettings {
  const parsed = launchSettingsFromEnv(env);
  if (!parsed.ok) throw new Error(parsed.problems.map(problemText).join('; '));
  return parsed.value;
}
/** A PGBACKREST_CMD that prints this JSON, like `pgbackrest --stanza=veza info --output=json`. */
function printing(json: unknown): string {
  const file = join(dir, `info-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(json));
  return `cat ${file}`;
}

describe('backupVerdict (pgbackrest info)', () => {
  it('✅ with a diff 3 h old, incr and errored backups ignored', () => {
    expect(
      backupVerdict(
        info([
          { type: 'full', hoursAgo: 50 },
          { type: 'diff', hoursAgo: 3 },
          { type: 'incr', hoursAgo: 1 },
        ]),
        now,
      ),
    ).toMatchObject({ state: 'pass', summary: 'stanza veza: newest full/diff 3.0 h old (max 24 h)' });
    expect(
      backupVerdict(
        info([
          { type: 'full', hoursAgo: 30 },
          { type: 'incr', hoursAgo: 1 },
          { type: 'diff', hoursAgo: 2, error: true },
        ]),
        now,
      ),
    ).toMatchObject({ state: 'fail' });
  });
  it('🔴 just past the limit shows an age past it: 24 h 2 min is 24.1 h, not "24.0 h old (max 24 h)"', () => {
    expect(backupVerdict(info([{ type: 'full', hoursAgo: 24 + 2 / 60 }]), now)).toMatchObject({
      state: 'fail',
      summary: 'stanza veza: newest full/diff 24.1 h old (max 24 h)',
    });
    expect(backupVerdict(info([{ type: 'full', hoursAgo: 24 - 2 / 60 }]), now)).toMatchObject({
      state: 'pass',
      summary: 'stanza veza: newest full/diff 24.0 h old (max 24 h)',
    });
  });
  it('⚪ parse, never ✅, on a stop in the future, in milliseconds or not a number; a 🔴 elsewhere still wins', () => {
    const withStop = (stop: unknown) => [
      {
        name: 'veza',
        status: { code: 0, message: 'ok' },
        backup: [{ label: '20261201-0F', type: 'full', timestamp: { start: 1, stop }, error: false }],
      },
    ];
    const cases: [unknown, string][] = [
      [epoch(-2), 'is in the future'],
      [now.getTime() - 3_600_000, 'is in the future'],
      ['2026-12-01 10:00:00', 'is not an epoch-seconds time'],
      [17, 'is not an epoch-seconds time'],
    ];
    for (const [stop, why] of cases)
      expect(backupVerdict(withStop(stop), now)).toMatchObject({
        state: 'unknown',
        reason: 'parse',
        summary: expect.stringContaining(`backup 20261201-0F timestamp.stop ${String(stop)} ${why}`),
      });
    // a clock a minute ahead is no reason to doubt it
    expect(backupVerdict(withStop(epoch(-1 / 60)), now)).toMatchObject({ state: 'pass' });
    expect(backupVerdict([...withStop(epoch(-2)), ...info([], 1)], now)).toMatchObject({ state: 'fail' });
  });
  it('🔴 on a status code ≠ 0, with its message; ⚪ on something else than a stanza list', () => {
    expect(backupVerdict(info([], 1), now)).toMatchObject({ state: 'fail', summary: 'stanza veza: status 1 missing stanza path' });
    expect(backupVerdict({ oops: true }, now)).toMatchObject({ state: 'unknown', reason: 'parse' });
  });
});

describe('backupCheck and drillCheck run the operator command with an owned deadline', () => {
  it('PGBACKREST_CMD: ✅ fresh, 🔴 stale, ⚪ not JSON, ⚪ exit 1', async () => {
    expect(await backupCheck(settingsWith({ PGBACKREST_CMD: printing(info([{ type: 'full', hoursAgo: 2 }])) }), now)).toMatchObject({
      state: 'pass',
    });
    expect(await backupCheck(settingsWith({ PGBACKREST_CMD: printing(info([{ type: 'full', hoursAgo: 26 }])) }), now)).toMatchObject({
      state: 'fail',
      summary: expect.stringContaining('26.0 h old'),
    });
    expect(await backupCheck(settingsWith({ PGBACKREST_CMD: 'echo stanza: veza' }), now)).toMatchObject({
      state: 'unknown',
      reason: 'parse',
    });
    expect(await backupCheck(settingsWith({ PGBACKREST_CMD: 'echo "ERROR: [055]" >&2; exit 55' }), now)).toMatchObject({
      state: 'unknown',
      reason: 'unavailable',
      summary: 'PGBACKREST_CMD exit 55: ERROR: [055]',
    });
  });
  it('a hung command is killed at the deadline (its children too): ⚪ timeout', async () => {
    const started = Date.now();
    expect(await backupCheck(settingsWith({ PGBACKREST_CMD: 'sleep 30 | cat' }), now, 300)).toMatchObject({
      state: 'unknown',
      reason: 'timeout',
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });
  it('BACKUP_CHECK_CMD stays as a hook; DRILL_CHECK_CMD: exit 0 ✅, exit 1 🔴; unset: not checked', async () => {
    expect(await backupCheck(settingsWith({ BACKUP_CHECK_CMD: 'echo full 3h ago' }), now)).toMatchObject({
      state: 'pass',
      summary: 'BACKUP_CHECK_CMD exited 0: full 3h ago',
    });
    expect(await drillCheck(settingsWith({ DRILL_CHECK_CMD: 'true' }))).toMatchObject({ state: 'pass' });
    expect(await drillCheck(settingsWith({ DRILL_CHECK_CMD: 'echo last drill 9 days ago; exit 1' }))).toMatchObject({
      state: 'fail',
      summary: 'DRILL_CHECK_CMD exit 1: last drill 9 days ago',
    });
    expect(await drillCheck(settingsWith({}))).toMatchObject({ state: 'not_configured', summary: 'not checked (set DRILL_CHECK_CMD)' });
    expect(await backupCheck(settingsWith({}))).toMatchObject({ state: 'not_configured' });
  });
  it('never shows a secret of the command: the source is the variable and the program, quoted output redacted', async () => {
    // An operator hook that echoes what it was given, as a failing client does ("could not connect to …").
    const script = join(dir, 'check-drill');
    writeFileSync(script, '#!/bin/sh\necho "could not connect to $2 (token $4) via $5" >&2\nexit 1\n', { mode: 0o755 });
    const cmd = `PGPASSWORD=hunter2-pw ${script} --db postgres://veza:s3cretPW@db.internal/veza --token tok-ABCDEF123 https://hooks.test/x?api_key=k3y-value`;
    const drill = await drillCheck(settingsWith({ DRILL_CHECK_CMD: cmd }));
    expect(drill).toMatchObject({
      state: 'fail',
      source: `DRILL_CHECK_CMD (${script} …)`,
      summary:
        'DRILL_CHECK_CMD exit 1: could not connect to postgres://veza:***@db.internal/veza (token ***) via https://hooks.test/x?api_key=***',
    });
    const backup = await backupCheck(
      settingsWith({ BACKUP_CHECK_CMD: cmd.replace('PGPASSWORD=hunter2-pw ', 'PGPASSWORD=hunter2-pw TZ=UTC ') }),
      now,
    );
    expect(backup).toMatchObject({ state: 'fail', source: `BACKUP_CHECK_CMD (${script} …)` });
    // pgBackRest quoting its own options in an error
    const echoing = `sh -c 'echo "ERROR: [037]: $*" >&2; exit 37' pgbackrest --stanza=veza --repo1-cipher-pass=c1pher-pass info`;
    const pgbackrest = await backupCheck(settingsWith({ PGBACKREST_CMD: echoing }), now);
    expect(pgbackrest).toMatchObject({
      state: 'unknown',
      source: 'PGBACKREST_CMD (sh …)',
      summary: 'PGBACKREST_CMD exit 37: ERROR: [037]: --stanza=veza --repo1-cipher-pass=*** info',
    });
    for (const check of [drill, backup, pgbackrest])
      for (const secret of ['hunter2', 's3cretPW', 'tok-ABCDEF123', 'k3y-value', 'c1pher'])
        expect(JSON.stringify(check)).not.toContain(secret);
  });
  it('runCommand reports the exit code and output', async () => {
    expect(await runCommand('echo out; echo err >&2; exit 3', 5_000)).toEqual({
      code: 3,
      timedOut: false,
      stdout: 'out\n',
      stderr: 'err\n',
      error: null,
    });
  });

  it("runCommand hands the command the environment without veza-beta's secrets", async () => {
    const env = {
      PATH: '/usr/bin:/bin',
      DATABASE_URL: 'postgres://ops:PgPass0rd1@db/veza',
      GITHUB_TOKEN: 'ghp_tok3n',
      PGBACKREST_STANZA: 'veza',
    };
    const outcome = await runCommand('env', 5_000, env);
    expect(outcome.stdout).toContain('PGBACKREST_STANZA=veza');
    expect(outcome.stdout).not.toMatch(/DATABASE_URL|PgPass0rd1|GITHUB_TOKEN|ghp_tok3n/);
  });

  describe('runCommand with a background process that keeps its output open', () => {
    // `setsid … &` leaves the command's process group, so the deadline's group kill does not reach it,
    // and it holds stderr open: the outcome must not wait for it.
    let dir: string;
    const holder = () => `setsid sh -c 'echo $$ > ${dir}/holder.pid; exec sleep 60' >&2 &`;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'run-command-'));
    });
    afterEach(() => {
      try {
        process.kill(Number(readFileSync(join(dir, 'holder.pid'), 'utf8')), 'SIGKILL');
      } catch {
        // not started, or gone
      }
      rmSync(dir, { recursive: true, force: true });
    });

    it('answers with the exit code soon after the shell exits', async () => {
      const started = Date.now();
      const outcome = await runCommand(`${holder()} sleep 0.2; echo fresh`, 20_000);
      expect(outcome).toMatchObject({ code: 0, timedOut: false, stdout: 'fresh\n', error: null });
      expect(Date.now() - started).toBeLessThan(10_000);
    });

    it('answers timed out soon after the deadline', async () => {
      const started = Date.now();
      const outcome = await runCommand(`${holder()} sleep 60`, 500);
      expect(outcome).toMatchObject({ code: null, timedOut: true });
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  });
});
