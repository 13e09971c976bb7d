import { describe, expect, it } from '@jest/globals';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFolder } from './durable-files.js';

describe('createFolder', () => {
  it('creates the folder and its parents, and names the real reason when it cannot', () => {
    const dir = mkdtempSync(join(tmpdir(), 'create-folder-'));
    try {
      createFolder(join(dir, 'a', 'b'));
      expect(statSync(join(dir, 'a', 'b')).isDirectory()).toBe(true);
      writeFileSync(join(dir, 'afile'), '');
      expect(() => createFolder(join(dir, 'afile'))).toThrow(
        `cannot create the folder ${join(dir, 'afile')}: a file of that name is in the way (not a folder) [EEXIST]`,
      );
      expect(() => createFolder(join(dir, 'afile', 'sub'))).toThrow(
        `cannot create the folder ${join(dir, 'afile', 'sub')}: not a folder (a part of the path is a regular file) [ENOTDIR]`,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
