import { expect } from '@jest/globals';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { testBackends } from '@veza/invites-db/testing';
import { SETTINGS, freshDatabaseEnv } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// TZ=CET-1CEST,M3.5.0,M10.5.0/3 (a POSIX rule, which `date` reads) is UTC to
// Node: the dated folders and "today" followed the UTC day without a word
// (at 23:30 UTC `date` in Paris says the next day). UTC+14 here, so that the
// two days differ whatever the hour the spec runs at.

const RULE = 'XYZ-14ABC,M3.5.0,M10.5.0/3';
const pglite = testBackends().find((b) => b.name === 'pglite')!;

describe('a TZ that Node does not read', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-posix-tz-'));
    writeFileSync(join(cwd, 'me.csv'), 'ops@veza.fr,test-cohort,\n');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is named once on stderr: the folder is named by the UTC day, and the warning says so', async () => {
    const env = await freshDatabaseEnv(pglite, cwd);
    const before = new Date().toISOString().slice(0, 10);
    const run = await runVezaBeta(['invites', 'prepare', 'me.csv', '--force', '--no-screenshot'], {
      cwd,
      env: { ...SETTINGS, ...env, TZ: RULE },
    });
    const after = new Date().toISOString().slice(0, 10);
    expect(run.code).toBe(0);
    const [folder] = readdirSync(cwd).filter((name) => name.startsWith('out-'));
    expect([`out-${before}`, `out-${after}`]).toContain(folder);
    expect(run.stderr.split('\n').filter((line) => line.includes('TZ='))).toEqual([
      `veza-beta: warning: TZ="${RULE}" is not a time zone Node reads (a POSIX rule such as CET-1CEST, or an unknown name): veza-beta runs on UTC, so out-<date>/, decision-<date>/ and "today" follow the UTC day, not the one \`date\` shows; set TZ to an IANA name (Europe/Paris).`,
    ]);
  });

  it('says nothing of an IANA name, a spelling of UTC, a rule Node reads, a rule naming UTC+0 (WET0), or none', async () => {
    for (const tz of ['Europe/Paris', ':Europe/Paris', 'UTC0', 'XYZ-14', 'WET0', '']) {
      const run = await runVezaBeta(['cohort', 'validate', 'me.csv'], { cwd, env: { TZ: tz } });
      expect([tz, run.stderr.includes('TZ=')]).toEqual([tz, false]);
    }
  });
});
