import { spawnSync } from 'node:child_process';
import { describe, expect, it } from '@jest/globals';
import { emailWord, shellWord } from './shell-word.js';

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

  it("gives an invitable address (``!#$%&'*+/=?^_`{|}~-`` in its local part) as one word, never a command or an option", () => {
    // read back by the shell: `&`, `|` and backquotes ran commands, `$HOME` expanded; a leading dash is kept
    // behind a space, which the commands trim: yargs reads '-x@…' as options even quoted
    const addresses = [
      "o'neil@example.org",
      'a&touch@example.org',
      'b|c@example.org',
      'x`id`@example.org',
      'h$HOME{a}@example.org',
      '-x@example.org',
    ];
    for (const email of addresses) {
      const run = spawnSync('bash', ['-c', `printf '%s\\0' ${emailWord(email)}`], { encoding: 'utf8' });
      expect(run.stdout).toBe(`${email.startsWith('-') ? ' ' : ''}${email}\0`);
    }
    expect(emailWord('ana.b+beta@example.org')).toBe('ana.b+beta@example.org');
  });
});
