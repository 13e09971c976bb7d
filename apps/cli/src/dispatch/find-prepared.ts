import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { readIfRegularFile } from '../regular-file.js';
import { fileHoldsCode } from './dispatch-folder.js';
import { MANIFEST_FILE } from './manifest.js';
import type { Manifest, ManifestInvite } from './manifest.js';

/** A folder's manifest entries (those naming an invite and its file); none when it is not a prepared folder or cannot be read. */
export function manifestEntries(dir: string): ManifestInvite[] {
  try {
    const read = readIfRegularFile(join(dir, MANIFEST_FILE)); // a FIFO in its place opened for ever
    if (!read) return [];
    const manifest = JSON.parse(read.bytes.toString('utf8')) as Partial<Manifest>;
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

/** `outDir`, then the folders beside it (out-<earlier day>/ next to out-<today>/), by name: where a cohort's folders are. */
export function foldersBeside(outDir: string): string[] {
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
  return candidates;
}

/**
 * Where the given invites were prepared: `outDir` and the folders beside it
 * (out-<earlier day>/ next to out-<today>/) whose manifest lists them. An
 * invite listed in two folders (its code was reissued) goes with the .eml
 * that holds its code now, by `digestsOf` (invite ids → their code's digest
 * in the database, asked for those invites only): the older one holds a code
 * that no longer works. Without a digest, or when no file holds it, the newer
 * file wins (folders copied to another machine lose the order of their
 * files, hence the code first). Returns folder → invite ids, `outDir` first.
 */
export async function findPreparedFolders(
  outDir: string,
  ids: ReadonlySet<string>,
  digestsOf: (ids: string[]) => Promise<ReadonlyMap<string, string>> = () => Promise.resolve(new Map()),
): Promise<Map<string, Set<string>>> {
  const candidates = foldersBeside(outDir);
  const listed = new Map<string, { dir: string; path: string; mtime: number }[]>();
  for (const dir of candidates) {
    if (!existsSync(join(dir, MANIFEST_FILE))) continue;
    for (const { inviteId, file } of manifestEntries(dir)) {
      if (!ids.has(inviteId) || basename(file) !== file) continue;
      const path = join(dir, file);
      const places = listed.get(inviteId) ?? [];
      places.push({ dir, path, mtime: mtime(path) });
      listed.set(inviteId, places);
    }
  }
  const newest = <T extends { mtime: number }>(places: T[]) => places.reduce((best, p) => (p.mtime > best.mtime ? p : best));
  const twice = [...listed].filter(([, places]) => places.length > 1).map(([id]) => id);
  const digests = twice.length > 0 ? await digestsOf(twice) : new Map<string, string>();
  const best = new Map<string, string>();
  for (const [inviteId, places] of listed) {
    const digest = digests.get(inviteId);
    const current = places.length > 1 && digest ? places.filter((p) => fileHoldsCode(p.path, digest)) : [];
    best.set(inviteId, newest(current.length > 0 ? current : places).dir);
  }
  const folders = new Map<string, Set<string>>();
  for (const dir of candidates) {
    const mine = [...best].filter(([, where]) => where === dir).map(([id]) => id);
    if (mine.length > 0) folders.set(dir, new Set(mine));
  }
  return folders;
}
