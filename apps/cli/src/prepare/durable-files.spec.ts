import { afterAll, describe, expect, it } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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
