import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Mounts a tiny tmpfs of `sizeKb` on `dir`, for a test that fills a disk;
 * false where this machine lets no test mount one (not root). The caller
 * unmounts it (`umount -l dir`).
 */
export function mountTmpfs(dir: string, sizeKb: number, options: { mode?: number } = {}): boolean {
  const mode = options.mode === undefined ? '' : `,mode=${options.mode.toString(8).padStart(4, '0')}`;
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k${mode}`, 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let mountable: boolean | undefined;

/** Whether this machine lets a test mount a tmpfs (tried once, on a folder of its own). */
export function canMountTmpfs(): boolean {
  if (mountable !== undefined) return mountable;
  const probe = mkdtempSync(join(tmpdir(), 'veza-mount-probe-'));
  try {
    mountable = mountTmpfs(probe, 64);
    if (mountable) execFileSync('umount', [probe]);
    return mountable;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}
