import { expect } from '@jest/globals';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readMigrationFiles } from '@veza/invites-db';
import { openTestDatabase, testBackends } from '@veza/invites-db/testing';
import { freshDatabaseEnv } from './fixtures.js';
import { BIN, runVezaBeta } from './run-veza-beta.js';
import type { CliRun } from './run-veza-beta.js';

/** The CLI as another user (root only), from the sources: that user cannot read the test run's prebuilt bundles. */
/**
 * Runs the CLI as root without the capabilities that let root into any folder
 * (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that another user's 0700 folder
 * refuses it as it would refuse that user's colleague. Not `runuser -u nobody`:
 * nobody may not read the checkout itself (a CI clone under a 0700 mktemp folder).
 */
function runWithoutRootsReach(args: string[], cwd: string): CliRun {
  const env = { PATH: process.env['PATH'], HOME: '/tmp', CI: 'true', NO_COLOR: '1' };
  const caps = '-dac_override,-dac_read_search';
  const run = spawnSync('setpriv', [`--bounding-set=${caps}`, `--inh-caps=${caps}`, '--', process.execPath, BIN, ...args], {
    cwd,
    env,
    encoding: 'utf8',
  });
  return { code: run.status, signal: run.signal, stdout: run.stdout, stderr: run.stderr };
}

let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-cli-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

describe('veza-beta basics', () => {
  it('--help lists every command of the design', async () => {
    const run = await runVezaBeta(['--help'], { cwd });
    expect(run.code).toBe(0);
    for (const command of [
      'db migrate',
      'cohort validate',
      'invites prepare',
      'invites dispatch',
      'invites send',
      'invites report',
      'gates check',
      'preflight',
      'demo',
    ]) {
      expect(run.stdout).toContain(`veza-beta ${command}`);
    }
  });

  it('--version prints the version, and completion prints a shell completion script', async () => {
    const version = await runVezaBeta(['--version'], { cwd });
    // and the checkout's commit: every version so far says 0.1.0, teammates could not tell theirs apart
    const commit = execFileSync('git', ['log', '-1', '--format=%h %cs'], { encoding: 'utf8' }).trim();
    expect(version).toMatchObject({
      code: 0,
      stdout: `${(JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version} (commit ${commit})\n`,
      stderr: '',
    });
    const completion = await runVezaBeta(['completion'], { cwd });
    expect(completion.code).toBe(0);
    expect(completion.stdout).toContain('###-begin-veza-beta-completions-###');
    expect(completion.stdout).toContain('complete -o bashdefault -o default -F _veza-beta_yargs_completions veza-beta');
    const words = await runVezaBeta(['--get-yargs-completions', 'veza-beta', 'invites', ''], { cwd });
    expect(words.stdout.split('\n')).toEqual(expect.arrayContaining(['prepare', 'dispatch', 'send']));
  });

  it('read-only commands create no .veza/ folder: preflight says the embedded database does not exist', async () => {
    const run = await runVezaBeta(['preflight', '--json'], { cwd });
    expect(run.code).toBe(1);
    const { items } = JSON.parse(run.stdout) as { items: { title: string; status: string; detail: string }[] };
    expect(items.find((i) => i.title === 'Database reachable')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('does not exist'),
    });
    const gates = await runVezaBeta(['gates', 'check'], { cwd });
    expect(gates.code).toBe(2);
    expect(existsSync(join(cwd, '.veza'))).toBe(false);
  });

  it('an unknown flag or command fails with usage, exit 1', async () => {
    const flag = await runVezaBeta(['invites', 'cleanup', '--bogus'], { cwd });
    expect(flag).toMatchObject({ code: 1, stdout: '' });
    expect(flag.stderr).toContain('Unknown argument: bogus');
    const none = await runVezaBeta(['db'], { cwd });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('Name a db command: migrate, add-user');
    // a threshold flag that is not a whole number names the flag (it said "option thresholds.minRows: … got NaN")
    const minRows = await runVezaBeta(['cohort', 'validate', 'any.csv', '--min-rows', 'abc'], { cwd });
    expect(minRows.code).toBe(1);
    expect(minRows.stderr).toContain('--min-rows must be a whole number ≥ 0 (got something that is not a number)');
    const half = await runVezaBeta(['cohort', 'validate', 'any.csv', '--min-labels', '2.5'], { cwd });
    expect(half.stderr).toContain('--min-labels must be a whole number ≥ 0 (got 2.5)');
  });

  it('names an unreachable database without its password, exit 1', async () => {
    const run = await runVezaBeta(['invites', 'report'], { cwd, env: { DATABASE_URL: 'postgres://ops:hunter2@127.0.0.1:1/veza' } });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('INVITES_DB_UNREACHABLE');
    expect(run.stderr).toContain('postgres://ops:***@127.0.0.1:1/veza');
    expect(run.stderr).not.toContain('hunter2');
  });

  it('refuses to work on an unmigrated database and says what to run, without creating one', async () => {
    const run = await runVezaBeta(['invites', 'report'], { cwd });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("run 'veza-beta db migrate' first");
    expect(existsSync(join(cwd, '.veza'))).toBe(false);
  });

  it('an embedded database it may not open is not "not created yet": the error names the folder, its owner and what to do', async () => {
    // Another user's .veza/ (mode 0700): existsSync said false, and the command told the operator to migrate a database full of invites.
    const veza = join(cwd, '.veza');
    mkdirSync(join(veza, 'db'), { recursive: true });
    const root = process.getuid?.() === 0;
    chmodSync(cwd, 0o755);
    // as root: the folder is nobody's, and the command runs without root's reach past permissions
    if (root) chownSync(veza, 65534, 65534);
    chmodSync(veza, root ? 0o700 : 0o000);
    try {
      const run = root ? runWithoutRootsReach(['invites', 'report'], cwd) : await runVezaBeta(['invites', 'report'], { cwd });
      expect(run.code).toBe(1);
      expect(run.stderr).not.toContain('not created yet');
      expect(run.stderr).toContain(`cannot reach the database at embedded database ${join(veza, 'db')}: EACCES`);
      expect(run.stderr).toContain(
        root ? 'this command runs as root and the folder (or one above it) belongs to nobody: run it as nobody' : 'this command runs as',
      );
      expect(run.stderr).toContain('or set VEZA_DATA_DIR to a folder of yours');
    } finally {
      chmodSync(veza, 0o700);
      if (root) chownSync(veza, 0, 0);
    }
  });

  it('run from a subfolder of the one holding .veza/db, says where that database is (not only "run db migrate", which would make a second one)', async () => {
    mkdirSync(join(cwd, '.veza', 'db'), { recursive: true });
    const sub = join(cwd, 'launch');
    mkdirSync(sub);
    const run = await runVezaBeta(['invites', 'report'], { cwd: sub });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      `veza-beta: an embedded database is in ${join(cwd, '.veza', 'db')}, above this folder: run the command from ${cwd}, or set VEZA_DATA_DIR=${join(cwd, '.veza')}`,
    );
    expect(run.stderr).toContain(`embedded database ${join(sub, '.veza', 'db')} (not created yet)`);
    expect(existsSync(join(sub, '.veza'))).toBe(false);
  });

  /** `invites report` and `db migrate` with the database behind a link to a folder not there: both say `said`, exit 1, and make nothing. */
  async function expectLinkGoneSaid(said: string): Promise<void> {
    const report = await runVezaBeta(['invites', 'report'], { cwd });
    expect(report.code).toBe(1);
    expect(report.stderr).toContain(said);
    expect(report.stderr).not.toContain('not created yet');
    const migrate = await runVezaBeta(['db', 'migrate'], { cwd });
    expect(migrate.code).toBe(1);
    expect(migrate.stderr).toContain(said);
    expect(existsSync(join(cwd, 'disk'))).toBe(false);
  }

  it('a db/ that is a link to a folder that is not there (its disk not mounted) is said so, not "not created yet"; db migrate makes nothing', async () => {
    // it said "(not created yet) … run 'veza-beta db migrate'", and db migrate "ENOENT …, mkdir '…/.veza/db'": an operator
    // who then removed the link to migrate made a second, empty database while the real one waited on its disk
    mkdirSync(join(cwd, '.veza'));
    symlinkSync(join(cwd, 'disk', 'veza-db'), join(cwd, '.veza', 'db'));
    const said = `cannot reach the database at embedded database ${join(cwd, '.veza', 'db')}: it is a link to ${join(cwd, 'disk', 'veza-db')}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`;
    await expectLinkGoneSaid(said);
  });

  it('a .veza that is itself a link to a folder that is not there is said so too; db migrate makes nothing', async () => {
    // db/ under it was "not created yet … run 'veza-beta db migrate'", preflight's "does not exist … run db migrate
    // to create it", and db migrate "ENOENT … mkdir": removing the link to migrate made a second, empty database
    symlinkSync(join(cwd, 'disk', 'veza'), join(cwd, '.veza'));
    const said = `${join(cwd, '.veza')} is a link to ${join(cwd, 'disk', 'veza')}, which is not there (its disk not mounted, or the folder moved): mount it or fix the link; no database was made`;
    await expectLinkGoneSaid(said);
  });

  it('db add-user adds an inviter once (case-insensitive)', async () => {
    await freshDatabaseEnv(testBackends()[0]!, cwd); // a migrated embedded database where the CLI looks by default (db migrate itself: below)
    const first = await runVezaBeta(['db', 'add-user', 'Ops@Veza.fr'], { cwd });
    const again = await runVezaBeta(['db', 'add-user', 'ops@veza.fr'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/^added user Ops@Veza\.fr \([0-9a-f-]{36}\)\n$/);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/^user ops@veza\.fr already exists \([0-9a-f-]{36}\); nothing added\n$/);
    expect(first.stdout.match(/\(([0-9a-f-]{36})\)/)?.[1]).toBe(again.stdout.match(/\(([0-9a-f-]{36})\)/)?.[1]);
    expect((await runVezaBeta(['db', 'add-user', 'not an email'], { cwd })).code).toBe(1);
  });

  it('cohort validate heads the warnings as to accept, exit 2, and as accepted with FORCE=1, exit 0', async () => {
    writeFileSync(join(cwd, 'small.csv'), 'email,cohort\nana@example.org,listeners-a\n');
    const warned = await runVezaBeta(['cohort', 'validate', 'small.csv'], { cwd });
    expect(warned.code).toBe(2);
    expect(warned.stdout).toMatch(/^Warnings \(\d+; accept with --force or FORCE=1\):$/m);
    const forced = await runVezaBeta(['cohort', 'validate', 'small.csv'], { cwd, env: { FORCE: '1' } });
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/^Warnings \(\d+; accepted \(--force or FORCE=1 given\)\):$/m);
    expect(forced.stdout).not.toContain('accept with');
  });
});

describe.each(testBackends())('db migrate on $name', (backend) => {
  it('migrates, then finds nothing to do; report and cleanup work on the result', async () => {
    const env =
      backend.name === 'postgres'
        ? { DATABASE_URL: await openTestDatabase(backend, { migrate: false }).then(async (c) => (await c.close(), c.url)) }
        : {};
    const first = await runVezaBeta(['db', 'migrate'], { cwd, env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('applied          990_beta_invites.sql');
    const second = await runVezaBeta(['db', 'migrate', '--json'], { cwd, env });
    expect(JSON.parse(second.stdout)).toMatchObject({ applied: [], alreadyApplied: readMigrationFiles().map((file) => file.name) });
    const report = await runVezaBeta(['invites', 'report', '--json'], { cwd, env });
    expect(JSON.parse(report.stdout)).toMatchObject({ cohorts: [], total: { invited: 0 } });
    const cleanup = await runVezaBeta(['invites', 'cleanup', '--dry-run'], { cwd, env });
    expect(cleanup).toMatchObject({ code: 0, stdout: 'would delete 0 expired unused invite(s)\n' });
    const revoke = await runVezaBeta(['invites', 'revoke', 'nobody@example.org'], { cwd, env });
    expect(revoke).toMatchObject({ code: 1, stdout: 'revoked 0 invite(s)\n' });
    expect(revoke.stderr).toContain('no invite matches');
  });
});

describe('gates check', () => {
  it('exits 3 on a configuration error before probing, naming the variable', async () => {
    const run = await runVezaBeta(['gates', 'check'], { cwd, env: { PROM_URL: 'not a url' } });
    expect(run.code).toBe(3);
    expect(run.stderr).toContain('PROM_URL is not an http(s) URL');
    expect(run.stdout).toBe('');
  });

  it('reads the embedded database for the testers gate: NO-GO with no tester, JUnit written', async () => {
    await freshDatabaseEnv(testBackends()[0]!, cwd); // migrated, where the CLI looks by default
    const run = await runVezaBeta(['gates', 'check', '--junit', 'gates.xml'], { cwd, env: { TESTERS_TARGET: '5' } });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Testers signed up +🔴 FAIL +0 \/ ≥ 5/);
    expect(run.stdout).toContain('Verdict: 🔴 NO-GO (exit 1)');
    expect(readFileSync(join(cwd, 'gates.xml'), 'utf8')).toContain('<testcase');
  });
});
