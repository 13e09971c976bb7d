import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { MANIFEST_FILE } from './manifest.js';
import type { Manifest } from './manifest.js';

function manifestIds(dir: string): { inviteId: string; file: string }[] {
  try {
    const manifest = JSON.parse(readFileSync(join(dir, MANIFEST_FILE), 'utf8')) as Partial<Manifest>;
    return Array.isArray(manifest.invites)
      ? manifest.invites.filter((i) => typeof i?.inviteId === 'string' && typeof i.file === 'string')
      : [];
  } catch {
    return []; // not a prepared folder, or not readable: it holds nothing to send
  }
}

function mtime(path: string): number {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/**
 * Where the given invites were prepared: `outDir` and the folders beside it
 * (out-<earlier day>/ next to out-<today>/) whose manifest lists them. An
 * invite listed in two folders (its code was reissued) goes with the newer
 * .eml: the older one holds a code that no longer works. Returns folder →
 * invite ids, `outDir` first.
 */
export function findPreparedFolders(outDir: string, ids: ReadonlySet<string>): Map<string, Set<string>> {
  const parent = dirname(outDir);
  const candidates = [outDir];
  let names: string[] = [];
  try {
    names = readdirSync(parent, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch {
    names = [];
  }
  for (const name of names) if (resolve(parent, name) !== resolve(outDir)) candidates.push(join(parent, name));

  const best = new Map<string, { dir: string; mtime: number }>();
  for (const dir of candidates) {
    if (!existsSync(join(dir, MANIFEST_FILE))) continue;
    for (const { inviteId, file } of manifestIds(dir)) {
      if (!ids.has(inviteId) || basename(file) !== file) continue;
      const time = mtime(join(dir, file));
      const seen = best.get(inviteId);
      if (!seen || time > seen.mtime) best.set(inviteId, { dir, mtime: time });
    }
  }
  const folders = new Map<string, Set<string>>();
  for (const dir of candidates) {
    const mine = [...best].filter(([, where]) => where.dir === dir).map(([id]) => id);
    if (mine.length > 0) folders.set(dir, new Set(mine));
  }
  return folders;
}
