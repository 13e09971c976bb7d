import { expect } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVezaBeta } from './run-veza-beta.js';

// `DATABSE_URL=…` in the .env of launch day: every command went on, without a
// word, on the embedded database of the folder (db migrate created one, exit 0).

describe('a misspelled setting', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-typo-'));
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is named on stderr with the setting it resembles, the file it is in, and what is used instead', async () => {
    writeFileSync(join(cwd, '.env'), 'DATABSE_URL=postgres://veza:s3cret@db.internal:5432/veza\n');
    const run = await runVezaBeta(['invites', 'report'], { cwd, env: { SNED: '1' } });
    expect(run.stderr).toContain(
      `veza-beta: warning: DATABSE_URL (in ${join(cwd, '.env')}) is not a setting: did you mean DATABASE_URL? DATABASE_URL is not set, so the embedded database is used.`,
    );
    expect(run.stderr).toContain(
      'veza-beta: warning: SNED (in the environment) is not a setting: did you mean SEND? SEND is not set, so its default applies.',
    );
    expect(run.stderr).not.toContain('s3cret');
  });
});
