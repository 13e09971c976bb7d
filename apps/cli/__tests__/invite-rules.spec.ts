import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inviteReport } from '@veza/invites-db';
import { testBackends } from '@veza/invites-db/testing';
import { SETTINGS, freshDatabaseEnv, openEnvDatabase } from './fixtures.js';
import { runVezaBeta } from './run-veza-beta.js';

// One source of the invite rules (@veza/invite-rules): what the renderer, the
// database and the gates refuse, the validator refuses first, and the other way round.
let cwd: string;
beforeEach(() => {
  cwd = mkdtempSync(join(tmpdir(), 'veza-rules-'));
});
afterEach(() => rmSync(cwd, { recursive: true, force: true }));

const [pglite] = testBackends();

describe('a name the renderer would refuse', () => {
  it('is blocked by cohort validate, and prepare stops before writing a row or a file', async () => {
    writeFileSync(
      join(cwd, 'braces.csv'),
      'email,cohort,name\nana@example.org,fans/discord,Ana {{code}}\nhugo@example.org,creators-2026,Hugo\n',
    );
    const validate = await runVezaBeta(['cohort', 'validate', 'braces.csv', '--force'], { cwd });
    expect(validate.code).toBe(1);
    expect(validate.stdout + validate.stderr).toMatch(/braces\.csv:2 name: contains "\{\{" or "\}\}".*\[COHORT_BAD_NAME\]/);

    const env = { ...(await freshDatabaseEnv(pglite!, cwd)), ...SETTINGS, FORCE: '1' };
    const prepare = await runVezaBeta(['invites', 'prepare', 'braces.csv', '--out', 'out', '--no-screenshot'], { cwd, env });
    expect(prepare.code).toBe(1);
    expect(prepare.stdout + prepare.stderr).toContain('COHORT_BAD_NAME');
    expect(existsSync(join(cwd, 'out'))).toBe(false);
    const conn = await openEnvDatabase(env);
    try {
      expect((await inviteReport(conn.db)).cohorts).toEqual([]);
    } finally {
      await conn.close();
    }
  });
});

describe('gates check with TESTERS_COHORT=fans/discord', () => {
  it('takes the label the validator accepts: a verdict, not a configuration error (exit 3)', async () => {
    const run = await runVezaBeta(['gates', 'check'], { cwd, env: { TESTERS_TARGET: '5', TESTERS_COHORT: 'fans/discord' } });
    expect(run.stderr).not.toContain('TESTERS_COHORT');
    expect([0, 1, 2]).toContain(run.code);
  });
});
