import { expect } from '@jest/globals';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runVezaBeta } from './run-veza-beta.js';

// SEND=ture (or SEND=y, FORCE=Y) is read as off: nothing sent, nothing forced,
// which is safe, and stays so (docs/DECISIONS.md: the flags are loose, never an
// error). But nothing said that the value was not understood: `SEND=y … invites
// send` ended "SEND is not 1: nothing was sent." to an operator who had set it.

describe('a SEND or FORCE that is neither on nor off', () => {
  let cwd: string;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'veza-flag-'));
    writeFileSync(join(cwd, 'small.csv'), 'email,cohort\nana@example.org,creators-a\n');
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  it('is read as off and named once on stderr with its value', async () => {
    const forced = await runVezaBeta(['cohort', 'validate', 'small.csv'], { cwd, env: { FORCE: 'Y', SEND: 'ture' } });
    expect(forced.code).toBe(2); // not forced: the warnings stand
    expect(forced.stderr.split('\n').filter((line) => line.includes('is neither on'))).toEqual([
      'veza-beta: warning: SEND="ture" is neither on (1, true, yes, on) nor off (0, false, no, off): read as off.',
      'veza-beta: warning: FORCE="Y" is neither on (1, true, yes, on) nor off (0, false, no, off): read as off.',
    ]);
    for (const clear of ['1', 'yes', '0', 'off', '']) {
      const run = await runVezaBeta(['cohort', 'validate', 'small.csv'], { cwd, env: { FORCE: clear, SEND: clear } });
      expect([clear, run.stderr.includes('is neither on')]).toEqual([clear, false]);
    }
  });
});
