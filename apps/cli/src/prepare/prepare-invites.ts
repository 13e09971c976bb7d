import { createHash } from 'node:crypto';
import { existsSync, readFileSync, rmdirSync, rmSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CohortRow } from '@veza/cohort-validator';
import { buildInviteEml, writePreview } from '@veza/email-templates';
import type { CompiledInvite, PreviewItem } from '@veza/email-templates';
import {
  allowIdleInTransaction,
  analyzeInvites,
  createInvites,
  forgetLeftOut,
  leftOutAddresses,
  reissueInviteCode,
} from '@veza/invites-db';
import type { Connection, Database } from '@veza/invites-db';
import { MANIFEST_FILE, writeManifest } from '../dispatch/manifest.js';
import type { Manifest, ManifestInvite } from '../dispatch/manifest.js';
import { ExitError } from '../exit-error.js';
import { readIfRegularFile } from '../regular-file.js';
import { SQLSTATE_HINTS } from '../sqlstate-hints.js';
import { createFolder, FileBatch, FileWriteError } from './durable-files.js';
import { lockPrepareFolder } from './folder-lock.js';
import { lostInvites } from './lost-invites.js';
import type { LostInvite } from './lost-invites.js';
import { writeFailedCsv } from './failed-csv.js';
import type { FailedRow } from './failed-csv.js';

/**
 * The code the preview shows in place of each person's (`XXXX-XXXX-XXXX-XXXX`,
 * in the text and in the link): the preview and its screenshot are what gets
 * pasted into a chat for a second pair of eyes, and a live code there could be
 * redeemed by whoever reads it. The real codes are in the .eml files only.
 */
export const PREVIEW_CODE = 'XXXXXXXXXXXXXXXX';

export interface PrepareOptions {
  file: string;
  outDir: string;
  sentBy?: string | undefined;
  ttlDays: number;
  reissueUnsent: boolean;
  /**
   * Invite again the addresses whose every invite was revoked (default: skip
   * them, so that someone revoked because they asked to be left out is not
   * invited by the next cohort file that lists them).
   */
  reinviteRevoked?: boolean | undefined;
  /**
   * Invite again the people the folders beside outDir say were emailed a code
   * the database no longer has (restored from a backup older than the send):
   * skipped otherwise, listed in `lost`, and the run does not exit 0.
   */
  reinviteLost?: boolean | undefined;
  /** emails rendered in the preview index (the first N) */
  previewLimit: number;
  screenshot: boolean;
  /** rows per transaction (default PREPARE_CHUNK_ROWS) */
  chunkRows?: number;
  /** called after each chunk's commit with its invites whose .eml is in outDir (invites send overlaps dispatch with it) */
  onChunk?: ((chunk: { dir: string; mailFrom: string; invites: ManifestInvite[] }) => void) | undefined;
  /** once aborted (an operator's Ctrl-C), no new chunk is started: the chunks done are kept and listed, the rest is not prepared */
  signal?: AbortSignal | undefined;
}

export interface PrepareResult {
  outDir: string;
  created: { line: number; inviteId: string; email: string; cohort: string; reissued: boolean }[];
  /** inviteId: the row's existing invite, when it has one */
  skipped: { line: number; email: string; reason: string; inviteId?: string }[];
  failed: FailedRow[];
  failedCsv: string | null;
  preview: { index: string; screenshot: string | null; reason?: string } | null;
  /** rows skipped because their address was emailed a code the database no longer has (lostInvites); empty with reinviteLost */
  lost: LostInvite[];
  /** set when `signal` stopped prepare between two chunks: the rows of the file not prepared */
  interrupted?: { fromLine: number; rows: number };
}

/**
 * Rows per transaction (500 rows). A chunk's invites are committed only once
 * each of their .eml files is completely written and flushed; anything that
 * fails in a chunk rolls the chunk back and removes its files.
 */
export const PREPARE_CHUNK_ROWS = 500;

function readExistingManifest(outDir: string): ManifestInvite[] {
  const path = join(outDir, MANIFEST_FILE);
  if (!existsSync(path)) return [];
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as Manifest).invites ?? [];
  } catch (error) {
    throw new ExitError(1, `${path}: not a readable manifest (${(error as Error).message}); prepare into another folder (--out)`);
  }
}

/** A row whose email the renderer refused. */
class RenderError extends Error {
  constructor(row: CohortRow, cause: unknown) {
    super(`cannot render the email of line ${row.line} (${row.email}): ${(cause as Error).message ?? String(cause)}`, { cause });
  }
}

interface Staged {
  created: PrepareResult['created'];
  skipped: PrepareResult['skipped'];
  failed: FailedRow[];
  entries: ManifestInvite[];
  preview: PreviewItem[];
}

/**
 * Creates the invites of validated rows and renders one .eml per new invite
 * into outDir (created 0700, files 0600: they hold codes), one chunk of rows
 * per transaction: the database holds an invite only when its .eml is
 * complete on the disk. Rows whose email already has an invite are skipped,
 * so a rerun creates nothing twice.
 */
export async function prepareInvites(
  conn: Connection,
  compiled: CompiledInvite,
  rows: CohortRow[],
  options: PrepareOptions,
): Promise<PrepareResult> {
  const folderExisted = existsSync(options.outDir);
  const release = lockPrepareFolder(options.outDir);
  try {
    return await prepareInFolder(conn, compiled, rows, options, folderExisted);
  } finally {
    release();
    if (!folderExisted) rmdirQuietly(options.outDir);
  }
}

async function prepareInFolder(
  conn: Connection,
  compiled: CompiledInvite,
  rows: CohortRow[],
  options: PrepareOptions,
  folderExisted: boolean,
): Promise<PrepareResult> {
  const outDir = options.outDir;
  const result: PrepareResult = { outDir, created: [], skipped: [], failed: [], failedCsv: null, preview: null, lost: [] };
  const entries = new Map(readExistingManifest(outDir).map((e) => [e.inviteId, e]));
  const previewItems: PreviewItem[] = [];
  const ensureFolder = () => createFolder(outDir);
  const chunkRows = options.chunkRows ?? PREPARE_CHUNK_ROWS;
  // the digest of a regular file only: a FIFO or /dev/stdin was read whole by the validation, and reading it
  // again blocked for good (a FIFO's second open waits for a writer that already wrote)
  const source = readIfRegularFile(options.file);
  const sourceSha256 = source ? createHash('sha256').update(source.bytes).digest('hex') : null;
  const saveManifest = () =>
    writeManifest(outDir, {
      schemaVersion: 1,
      createdAt: new Date().toISOString(),
      source: { file: basename(options.file), sha256: sourceSha256 },
      database: conn.target,
      mailFrom: compiled.settings.from.address,
      invites: [...entries.values()],
    });

  if (!options.reinviteRevoked) rows = await skipRevoked(conn.db, rows, result.skipped);
  if (!options.reinviteLost) rows = await skipLost(conn.db, rows, outDir, result);
  let analyzed = false;
  for (let start = 0; start < rows.length; start += chunkRows) {
    if (options.signal?.aborted) {
      result.interrupted = { fromLine: rows[start]!.line, rows: rows.length - start };
      break;
    }
    const chunk = rows.slice(start, start + chunkRows);
    let staged: Staged;
    try {
      staged = await prepareChunk(conn.db, compiled, chunk, options, {
        entries,
        ensureFolder,
        previewRoom: options.previewLimit - previewItems.length,
      });
    } catch (error) {
      throw stopped(error, chunk, result, () => {
        if (entries.size > 0 && existsSync(outDir)) saveManifest();
      });
    }
    result.created.push(...staged.created);
    result.skipped.push(...staged.skipped);
    result.failed.push(...staged.failed);
    for (const entry of staged.entries) entries.set(entry.inviteId, entry);
    previewItems.push(...staged.preview);
    // Once, after the first rows are in (before a dispatch starts on them): the planner's statistics
    // may still describe a near-empty table. Plans only, never results: a refusal is not an error.
    if (!analyzed && staged.created.length > 0) {
      analyzed = true;
      await analyzeInvites(conn.db).catch(() => undefined);
    }
    if (staged.entries.length > 0) options.onChunk?.({ dir: outDir, mailFrom: compiled.settings.from.address, invites: staged.entries });
  }

  result.skipped.sort((a, b) => a.line - b.line); // the revoked ones were set aside first
  if (!folderExisted && result.created.length === 0 && result.failed.length === 0) return result; // nothing to write anywhere
  const done = `${result.created.length} invite(s) are prepared, each with its complete .eml`;
  try {
    ensureFolder();
    saveManifest();
    const failedCsv = join(outDir, 'failed.csv');
    if (result.failed.length > 0) {
      writeFailedCsv(failedCsv, result.failed);
      result.failedCsv = resolve(failedCsv);
    } else {
      rmSync(failedCsv, { force: true });
    }
  } catch (error) {
    throw new ExitError(
      1,
      `${(error as Error).message}\n${done}, but ${join(outDir, MANIFEST_FILE)} or failed.csv could not be written: free the space or fix the folder, then run the same command again (nothing is created twice).`,
    );
  }
  if (previewItems.length > 0) {
    const previewDir = join(outDir, 'preview');
    try {
      rmSync(previewDir, { recursive: true, force: true }); // the preview shows this run's emails only
      // interrupted: no browser started for the screenshot, the operator asked to stop
      const preview = await writePreview(previewDir, previewItems, { screenshot: options.screenshot && !result.interrupted });
      result.preview = { index: preview.index, screenshot: preview.screenshot, ...(preview.reason ? { reason: preview.reason } : {}) };
    } catch (error) {
      throw new ExitError(
        1,
        `${new FileWriteError(previewDir, error).message}\n${done} and listed in ${join(outDir, MANIFEST_FILE)}, but the preview could not be written; look at the .eml files, or free the space and prepare again into the same folder.`,
      );
    }
  }
  return result;
}

/**
 * Sets aside the rows whose address has only revoked invites, or had them
 * before `invites cleanup` deleted them (see PrepareOptions.reinviteRevoked).
 */
async function skipRevoked(db: Database, rows: CohortRow[], skipped: PrepareResult['skipped']): Promise<CohortRow[]> {
  const revoked = await leftOutAddresses(
    db,
    rows.map((row) => row.email),
  );
  if (revoked.size === 0) return rows;
  return rows.filter((row) => {
    const at = revoked.get(row.email.toLowerCase());
    if (!at) return true;
    skipped.push({
      line: row.line,
      email: row.email,
      reason: `this email's invite was revoked (${at.toISOString().slice(0, 10)} UTC): not invited again; if that was to fix a bounce or resend, add --reinvite-revoked`,
    });
    return false;
  });
}

/**
 * Sets aside the rows whose address was emailed a code the database no longer
 * has (see PrepareOptions.reinviteLost): a database restored from a backup
 * taken before the send creates their invites again, and the next dispatch
 * mailed each of them a second code, unannounced, the first one dead.
 */
async function skipLost(db: Database, rows: CohortRow[], outDir: string, result: PrepareResult): Promise<CohortRow[]> {
  const lost = await lostInvites(
    db,
    outDir,
    rows.map((row) => row.email),
  );
  if (lost.size === 0) return rows;
  return rows.filter((row) => {
    const invite = lost.get(row.email.trim().toLowerCase());
    if (!invite) return true;
    result.lost.push(invite);
    result.skipped.push({
      line: row.line,
      email: row.email,
      reason: `emailed ${invite.sentAt ? `on ${invite.sentAt.slice(0, 10)}` : '(handed to the mailer, outcome unknown)'} from ${invite.dir} (its dispatch.log says so) with a code this database no longer has: not invited again; to send a new code, add --reinvite-lost`,
    });
    return false;
  });
}

function rmdirQuietly(dir: string): void {
  try {
    rmdirSync(dir); // only when empty: this run created it and kept nothing
  } catch {
    // not empty, or already gone
  }
}

/** The error an operator sees when a chunk failed: what failed, what was rolled back, what was kept. */
function stopped(error: unknown, chunk: CohortRow[], result: PrepareResult, saveWhatWasKept: () => void): unknown {
  const coded = (error as { code?: unknown }).code;
  const known = error instanceof FileWriteError || error instanceof RenderError || typeof coded === 'string';
  if (!known) return error; // a bug: the chunk is rolled back all the same, the trace says where
  const hint = typeof coded === 'string' ? SQLSTATE_HINTS[coded] : undefined;
  const reason =
    error instanceof FileWriteError || error instanceof RenderError
      ? error.message
      : `error ${String(coded)}: ${(error as Error).message}${hint ? ` — ${hint}` : ''}`;
  const first = chunk[0]!.line;
  const last = chunk.at(-1)!.line;
  const span = first === last ? `line ${first}` : `lines ${first}–${last}`;
  const lines = [
    `prepare stopped: ${reason}`,
    `Rolled back: ${span} (no invite of them is in the database, and their .eml files were removed).`,
  ];
  try {
    saveWhatWasKept();
    lines.push(
      result.created.length
        ? `Kept: ${result.created.length} invite(s) of the lines before, each with its complete .eml, listed in ${join(result.outDir, MANIFEST_FILE)}.`
        : 'Nothing else was written.',
    );
  } catch (manifestError) {
    lines.push(
      `Kept: ${result.created.length} invite(s) of the lines before, with their .eml files, but ${(manifestError as Error).message}; the next prepare into the same folder lists them again.`,
    );
  }
  lines.push('Fix the cause, then run the same command again: the rows already prepared are skipped.');
  return new ExitError(1, lines.join('\n'));
}

async function prepareChunk(
  db: Database,
  compiled: CompiledInvite,
  chunk: CohortRow[],
  options: PrepareOptions,
  context: { entries: Map<string, ManifestInvite>; ensureFolder: () => void; previewRoom: number },
): Promise<Staged> {
  const staged: Staged = { created: [], skipped: [], failed: [], entries: [], preview: [] };
  const files = new FileBatch(options.outDir);

  const render = async (row: CohortRow, inviteId: string, code: string, expiresAt: Date, reissued: boolean) => {
    const recipient = { email: row.email, cohort: row.cohort, code, expiresAt, inviteId, ...(row.name ? { name: row.name } : {}) };
    const file = `${inviteId}.eml`;
    let eml: Buffer;
    try {
      eml = await buildInviteEml(compiled, recipient);
    } catch (error) {
      throw new RenderError(row, error);
    }
    if (files.size === 0) context.ensureFolder();
    await files.write(file, eml);
    if (staged.preview.length < context.previewRoom) {
      const rendered = compiled.render({ ...recipient, code: PREVIEW_CODE });
      staged.preview.push({ to: row.name ? `${row.name} <${row.email}>` : row.email, subject: rendered.subject, html: rendered.html });
    }
    staged.entries.push({ inviteId, email: row.email, cohort: row.cohort, file, expiresAt: expiresAt.toISOString() });
    staged.created.push({ line: row.line, inviteId, email: row.email, cohort: row.cohort, reissued });
  };

  try {
    await db.transaction(async (tx) => {
      // the chunk's files are written and flushed before the commit: a short idle_in_transaction_session_timeout
      // (a role's or the database's) must not end the session meanwhile
      await allowIdleInTransaction(tx);
      const outcomes = await createInvites(
        tx,
        chunk.map((row) => ({
          email: row.email,
          cohort: row.cohort,
          name: row.name,
          role: row.role,
          sentBy: row.sentBy ?? options.sentBy ?? null,
        })),
        { ttlDays: options.ttlDays, chunkSize: chunk.length },
      );
      for (const [i, outcome] of outcomes.entries()) {
        const row = chunk[i]!;
        if (outcome.status === 'created') {
          await render(row, outcome.id, outcome.code, outcome.expiresAt, false);
        } else if (outcome.status === 'failed') {
          staged.failed.push({
            line: row.line,
            email: row.email,
            cohort: row.cohort,
            sentBy: row.sentBy,
            role: row.role,
            name: row.name,
            reason: outcome.reason,
          });
        } else if (options.reissueUnsent && outcome.existingId && outcome.existingSentAt === null) {
          // the row as the file says it now (its cohort or name may have been edited): the new email and the database agree
          const fresh = await reissueInviteCode(tx, outcome.existingId, {
            cohort: row.cohort.trim(),
            name: row.name?.trim() || null,
            role: row.role,
          });
          if (fresh) await render(row, outcome.existingId, fresh.code, fresh.expiresAt, true);
          else
            staged.skipped.push({
              line: row.line,
              email: row.email,
              reason: `${outcome.reason}; not reissued (being sent, used, revoked or expired)`,
              inviteId: outcome.existingId,
            });
        } else {
          staged.skipped.push({
            line: row.line,
            email: row.email,
            reason: outcome.reason,
            ...(outcome.existingId ? { inviteId: outcome.existingId } : {}),
          });
          // An invite whose .eml is in this folder but not in its manifest (a manifest write that
          // failed, a kill -9 of `invites send` before its manifest): list it again, so that dispatch
          // sends it if it is unsent and counts it as already sent if it is not.
          const file = outcome.existingId ? `${outcome.existingId}.eml` : '';
          if (outcome.existingId && !context.entries.has(outcome.existingId) && existsSync(join(options.outDir, file))) {
            staged.entries.push({ inviteId: outcome.existingId, email: row.email, cohort: row.cohort, file });
          }
        }
      }
      // Invited again on purpose: the record that kept them left out after a cleanup goes with this chunk's commit.
      if (options.reinviteRevoked)
        await forgetLeftOut(
          tx,
          staged.created.map((c) => c.email),
        );
      // Every .eml, and the folder with their names, is on the disk before the rows commit.
      await files.flush();
    });
  } catch (error) {
    await files.undo();
    throw error;
  }
  files.keep();
  return staged;
}
