import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileBatch, writeFileDurably } from './durable-files.js';

describe('FileBatch under a low open-file limit', () => {
  const dir = mkdtempSync(join(tmpdir(), 'file-batch-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds no more files open than the limit leaves room for: a 500-file chunk under a hard ulimit -n 160 is written whole', () => {
    // It kept 256 written files open until their fsync (272 with the writes in flight): under a hard limit
    // of 256 or less every prepare chunk failed with EMFILE. In a process of its own: jest cannot lower its own limit.
    const module = fileURLToPath(new URL('./durable-files.ts', import.meta.url));
    const script = `
      import { FileBatch } from ${JSON.stringify(module)};
      const batch = new FileBatch(${JSON.stringify(dir)});
      for (let i = 0; i < 500; i++) await batch.write(i + '.eml', 'x'.repeat(2000));
      await batch.flush();
      batch.keep();
      console.log(batch.size);`;
    const child = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -n 160 && exec "$0" "$@"', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
        env: { ...process.env, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(child.stderr).toBe('');
    expect(child.stdout.trim()).toBe('500');
    expect(readdirSync(dir)).toHaveLength(500);
  });
});

describe('FileBatch and a name already taken in the folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'file-batch-taken-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('never follows a symbolic link named like the file: the link is set aside and the file written in the folder', async () => {
    const dir = join(root, 'out');
    const elsewhere = join(root, 'elsewhere');
    mkdirSync(dir);
    mkdirSync(elsewhere);
    // a dangling link: a check for the name before creating the file took it for a free name and wrote through it
    symlinkSync(join(elsewhere, 'stolen.eml'), join(dir, '7.eml'));
    const batch = new FileBatch(dir);
    await batch.write('7.eml', 'the email, code included');
    await batch.flush();
    batch.keep();
    expect(existsSync(join(elsewhere, 'stolen.eml'))).toBe(false);
    expect(lstatSync(join(dir, '7.eml')).isFile()).toBe(true);
    expect(readFileSync(join(dir, '7.eml'), 'utf8')).toBe('the email, code included');
    expect(readdirSync(dir)).toEqual(['7.eml']);
  });

  it('sets an existing file aside: undo puts it back, keep drops it', async () => {
    const dir = join(root, 'reissued');
    mkdirSync(dir);
    writeFileSync(join(dir, '8.eml'), 'old code');
    const undone = new FileBatch(dir);
    await undone.write('8.eml', 'new code');
    await undone.write('9.eml', 'another');
    await undone.flush();
    await undone.undo();
    expect(readdirSync(dir)).toEqual(['8.eml']);
    expect(readFileSync(join(dir, '8.eml'), 'utf8')).toBe('old code');
    const kept = new FileBatch(dir);
    await kept.write('8.eml', 'new code');
    await kept.flush();
    kept.keep();
    expect(readdirSync(dir)).toEqual(['8.eml']);
    expect(readFileSync(join(dir, '8.eml'), 'utf8')).toBe('new code');
  });
});

describe("describeFsError and the machine's limits", () => {
  const dir = mkdtempSync(join(tmpdir(), 'fs-limits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const module = fileURLToPath(new URL('./durable-files.ts', import.meta.url));

  it('a file over the file-size limit (ulimit -f) names that limit, not the file system', () => {
    // It said "file too large for this file system [EFBIG]" for a 15 KB .eml on ext4. In a process of its own.
    const script = `
      import { writeFileDurably } from ${JSON.stringify(module)};
      try { writeFileDurably(${JSON.stringify(join(dir, 'big.eml'))}, 'x'.repeat(8192)); } catch (e) { console.log(e.message); }`;
    const child = spawnSync(
      '/bin/sh',
      ['-c', 'ulimit -f 4 && exec "$0" "$@"', process.execPath, '--import', 'tsx', '--input-type=module', '-e', script],
      {
        cwd: fileURLToPath(new URL('../../../..', import.meta.url)),
        env: { ...process.env, NODE_OPTIONS: '' },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    // (the shell's ulimit -f counts blocks of 512 or 1024 bytes)
    expect(child.stdout.trim()).toBe(
      `cannot write ${join(dir, 'big.eml')}: file larger than this process may write: the file-size limit is ${child.stdout.includes(' 2048 ') ? 2048 : 4096} bytes (ulimit -f): raise it (ulimit -f unlimited) [EFBIG]`,
    );
  });

  it('a path too long is said once, in words (Node repeated the 4 KB path)', () => {
    const path = join(dir, 'n'.repeat(300));
    expect(() => writeFileDurably(path, 'x')).toThrow(
      `cannot write ${path}: path too long (over 4,095 bytes, or a name over 255): use a shorter one [ENAMETOOLONG]`,
    );
  });

  (process.getuid?.() === 0 ? it : it.skip)(
    'a file system with space and no free inode says so, not "disk full" (root: a tmpfs of 4 inodes)',
    () => {
      const mount = mkdtempSync(join(dir, 'tmpfs-'));
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=4m,nr_inodes=4', 'tmpfs', mount]).status).toBe(0);
      try {
        let error: unknown;
        for (let i = 0; i < 8 && !error; i++)
          try {
            writeFileDurably(join(mount, `${i}.eml`), 'x');
          } catch (e) {
            error = e;
          }
        expect((error as Error).message).toMatch(
          /^cannot write .*\.eml: no free inode left on its file system: it holds as many files as it can, though it has space \(df -i\): free some files or use another disk \[ENOSPC\]$/,
        );
      } finally {
        spawnSync('umount', [mount]);
      }
    },
  );
});
