/**
 * tools/mutation/mutate.mjs (docs/README.md, "Mutation testing"): a run that
 * measures nothing must not read as a perfect score. `--only` with a typo
 * (`6x`) or a line without a mutant printed "0/0 killed (100%)", exit 0,
 * after a full baseline run; and `--list --only` listed every mutant.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';

const mutate = fileURLToPath(new URL('../../mutation/mutate.mjs', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'veza-mutate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// mutants on lines 2 and 3; lines 1 and 4 have none
const source = join(dir, 'small.ts');
writeFileSync(source, `export function small(a: number): boolean {\n  if (a === 0) return false;\n  return a > 1;\n}\n`);

function run(...args: string[]) {
  // the spec file is never reached: each case ends before the specs would run
  return spawnSync(process.execPath, [mutate, ...args, source, join(dir, 'small.spec.ts')], { encoding: 'utf8', timeout: 30_000 });
}

describe('tools/mutation/mutate.mjs', () => {
  it('--only with something that is not a line number is refused, exit 3', () => {
    const result = run('--only', '6x');
    expect(result.stderr).toContain("mutate: --only wants line numbers separated by commas (got '6x')");
    expect(result.status).toBe(3);
  });

  it('--only naming lines without a mutant measures nothing: exit 3, not 0/0 killed (100%)', () => {
    const result = run('--only', '1,4');
    expect(result.stdout).not.toContain('SCORE');
    expect(result.stderr).toContain(`mutate: no mutant on line 1, 4 of ${source} (--list shows them); nothing to measure`);
    expect(result.status).toBe(3);
  });

  it('a file without a mutant measures nothing: exit 3', () => {
    const empty = join(dir, 'empty.ts');
    writeFileSync(empty, `export type Empty = string;\n`);
    const result = spawnSync(process.execPath, [mutate, empty, join(dir, 'small.spec.ts')], { encoding: 'utf8', timeout: 30_000 });
    expect(result.stderr).toContain(`mutate: no mutant in ${empty}; nothing to measure`);
    expect(result.status).toBe(3);
  });

  it('--list lists only the lines --only names', () => {
    const all = run('--list').stdout.trim().split('\n');
    const some = run('--list', '--only', '3').stdout.trim().split('\n');
    expect(some).toEqual(all.filter((line) => line.startsWith(`${source}:3 `)));
    expect(some.length).toBeGreaterThan(0);
    expect(some.length).toBeLessThan(all.length);
    expect(run('--list', '--only', '4').status).toBe(3);
  });

  it('a file a killed run left with a mutant (its unmutated text saved beside it) is refused until put back, exit 3, nothing changed', () => {
    // kill -9 of mutate.mjs mid-run: no handler puts FILE back; the next run took the mutant as the
    // original, measured the specs against it, and the mutant stayed in the source for good
    const mutated = source.replace('a > 1', 'a >= 1');
    writeFileSync(source, mutated);
    writeFileSync(`${source}.mutate-original`, readFileSync(source, 'utf8').replace('a >= 1', 'a > 1'));
    try {
      for (const result of [run(), run('--list')]) {
        expect(result.stderr).toContain(
          `mutate: a run killed before it ended left ${source} with a mutant in it; its unmutated text is ${source}.mutate-original: put it back (mv ${source}.mutate-original ${source}, or git checkout -- ${source} when it was committed) and run again`,
        );
        expect(result.stdout).toBe('');
        expect(result.status).toBe(3);
      }
      expect(readFileSync(source, 'utf8')).toBe(mutated);
      expect(existsSync(`${source}.mutate-original`)).toBe(true);
    } finally {
      rmSync(`${source}.mutate-original`, { force: true });
      writeFileSync(source, mutated.replace('a >= 1', 'a > 1'));
    }
  });

  it('a run that ends (here: its specs fail on the unmutated file) leaves no saved copy behind', () => {
    const result = run();
    expect(result.status).toBe(3);
    expect(existsSync(`${source}.mutate-original`)).toBe(false);
  });
});
