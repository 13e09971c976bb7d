import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { shellWord } from './shell-word.js';

describe('shellWord', () => {
  const paths = ['out-2026-12-01', '/srv/veza/out', 'sp ace/o', '-dash', "l'été 😀", 'nl\n', 'a\\b$c`d"e', '--out=x', 'tab\there'];

  it('leaves a plain path as it is', () => {
    expect(shellWord('out-2026-12-01')).toBe('out-2026-12-01');
    expect(shellWord('/srv/veza/out')).toBe('/srv/veza/out');
    expect(shellWord('/tmp/été/o')).toBe('/tmp/été/o');
  });

  it('is read back by the shell as the one argument it names, never as an option', () => {
    for (const path of paths) {
      const run = spawnSync('bash', ['-c', `printf '%s\\0' ${shellWord(path)}`], { encoding: 'utf8' });
      const expected = path.startsWith('-') ? `./${path}` : path;
      expect(run.stdout).toBe(`${expected}\0`);
    }
  });
});
