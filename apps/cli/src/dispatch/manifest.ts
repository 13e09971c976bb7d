import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExitError } from '../exit-error.js';
import { readIfRegularFile } from '../regular-file.js';
import { replaceFiles } from '../prepare/durable-files.js';
import { shellWord } from '../shell-word.js';

/** manifest.json of an out-<date>/ folder: what prepare rendered, never a code. */
export interface Manifest {
  schemaVersion: 1;
  createdAt: string;
  /** sha256 is null when the CSV was not a regular file (a FIFO, /dev/stdin): it was read once */
  source: { file: string; sha256: string | null };
  database: string;
  /** envelope sender for SMTP (the From address) */
  mailFrom: string;
  invites: ManifestInvite[];
}

export interface ManifestInvite {
  inviteId: string;
  email: string;
  cohort: string;
  /** file name of the .eml inside the folder */
  file: string;
  /**
   * when its code expires (ISO), as prepare rendered it; absent in manifests of 2026-12-01 and before. Tells an
   * invite `invites cleanup` deleted once expired from one a database restored from a backup lost.
   */
  expiresAt?: string;
}

export const MANIFEST_FILE = 'manifest.json';

/** Replaces the manifest in one step (write a copy, flush, rename): a full disk never leaves half a manifest. */
export function writeManifest(dir: string, manifest: Manifest): void {
  replaceFiles([{ path: join(dir, MANIFEST_FILE), data: `${JSON.stringify(manifest, null, 2)}\n` }]);
}

/** Reads and checks a folder's manifest; a clear error names the file and what is wrong. */
export function readManifest(dir: string): Manifest {
  const path = join(dir, MANIFEST_FILE);
  let text: string;
  try {
    // never waits: a FIFO in its place opens at once (a plain open waited for a writer, forever)
    const read = readIfRegularFile(path);
    if (!read)
      throw new ExitError(
        1,
        `${path}: not a regular file (a FIFO, a device or a folder in its place); is ${dir} a folder written by 'veza-beta invites prepare'?`,
      );
    text = read.bytes.toString('utf8');
  } catch (error) {
    if (error instanceof ExitError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // not readable (EACCES, EIO) is not "not found"
    if (code !== 'ENOENT') throw new ExitError(1, `${path}: cannot be read (${code ?? (error as Error).message})`);
    const emails = emlCount(dir);
    if (emails > 0)
      throw new ExitError(
        1,
        `${path}: not found, though ${dir} holds ${emails} .eml file(s): a prepare that did not finish (killed, out of memory, a full disk). Run the same prepare again: veza-beta invites prepare FILE --out ${shellWord(dir)}; it lists them in a new manifest (nothing is created twice); then dispatch.`,
      );
    throw new ExitError(1, `${path}: not found; is ${dir} a folder written by 'veza-beta invites prepare'?`);
  }
  let data: Partial<Manifest>;
  try {
    data = JSON.parse(text) as Partial<Manifest>;
  } catch (error) {
    throw new ExitError(1, `${path}: not valid JSON (${(error as Error).message})`);
  }
  if (data.schemaVersion !== 1 || !Array.isArray(data.invites) || typeof data.mailFrom !== 'string') {
    throw new ExitError(1, `${path}: not a veza-beta manifest (schemaVersion 1 with invites and mailFrom expected)`);
  }
  data.invites.forEach((invite, i) => {
    if (
      !invite ||
      typeof invite.inviteId !== 'string' ||
      typeof invite.email !== 'string' ||
      typeof invite.file !== 'string' ||
      invite.file.includes('/')
    ) {
      throw new ExitError(1, `${path}: invites[${i}] needs inviteId, email and a file name inside the folder`);
    }
  });
  return data as Manifest;
}

/** The .eml files in a folder (0 when it cannot be read). */
function emlCount(dir: string): number {
  try {
    return readdirSync(dir).filter((name) => name.endsWith('.eml')).length;
  } catch {
    return 0;
  }
}
