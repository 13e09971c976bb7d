import { afterAll, describe, expect, it } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mountTmpfs } from '@veza/test-support';
import { outputFiles } from './output-file.js';

describe('outputFiles (--junit, --markdown)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'output-file-'));
  const disk = join(dir, 'disk');
  mkdirSync(disk);
  const mounted = mountTmpfs(disk, 16);
  afterAll(() => {
    if (mounted) execFileSync('umount', ['-l', disk]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('rewrites a file whole', async () => {
    const path = join(dir, 'gates.xml');
    writeFileSync(path, 'old');
    await outputFiles().write('--junit', path, '<testsuite/>\n');
    expect(readFileSync(path, 'utf8')).toBe('<testsuite/>\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('.'))).toEqual([]);
  });

  (mounted ? it : it.skip)('on a full disk leaves the earlier file as it was, never an empty or cut one, and says which file', async () => {
    // Rewritten in place, the file was truncated first: the next run's longer report was cut where the disk filled.
    const path = join(disk, 'gates.xml');
    writeFileSync(path, '<testsuite>the earlier run</testsuite>\n');
    writeFileSync(join(disk, 'filler'), Buffer.alloc(8 * 1024));
    const longer = `<testsuite>${'x'.repeat(12 * 1024)}</testsuite>\n`;
    await expect(outputFiles().write('--junit', path, longer)).rejects.toThrow(`--junit ${path}: ENOSPC`);
    expect(readFileSync(path, 'utf8')).toBe('<testsuite>the earlier run</testsuite>\n');
    expect(readdirSync(disk).sort()).toEqual(['filler', 'gates.xml']);
  });
});
