import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { CohortRow } from '@veza/cohort-validator';
import { buildInviteEml, writePreview } from '@veza/email-templates';
import type { CompiledInvite, PreviewItem } from '@veza/email-templates';
import { createInvites, reissueInviteCode } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { MANIFEST_FILE, writeManifest } from '../dispatch/manifest.js';
import type { Manifest, ManifestInvite } from '../dispatch/manifest.js';
import { writeFailedCsv } from './failed-csv.js';
import type { FailedRow } from './failed-csv.js';

export interface PrepareOptions {
  file: string;
  outDir: string;
  sentBy?: string | undefined;
  ttlDays: number;
  reissueUnsent: boolean;
  /** emails rendered in the preview index (the first N) */
  previewLimit: number;
  screenshot: boolean;
}

export interface PrepareResult {
  outDir: string;
  created: { line: number; inviteId: string; email: string; cohort: string; reissued: boolean }[];
  skipped: { line: number; email: string; reason: string }[];
  failed: FailedRow[];
  failedCsv: string | null;
  preview: { index: string; screenshot: string | null; reason?: string } | null;
}

function readExistingManifest(outDir: string): ManifestInvite[] {
  const path = join(outDir, MANIFEST_FILE);
  if (!existsSync(path)) return [];
  return (JSON.parse(readFileSync(path, 'utf8')) as Manifest).invites ?? [];
}

/**
 * Creates the invites of validated rows and renders one .eml per new invite
 * into outDir (created 0700, files 0600: they hold codes). Rows whose email
 * already has an invite are skipped, so a rerun creates nothing twice.
 */
export async function prepareInvites(conn: Connection, compiled: CompiledInvite, rows: CohortRow[], options: PrepareOptions): Promise<PrepareResult> {
  const outcomes = await createInvites(
    conn.db,
    rows.map((row) => ({ email: row.email, cohort: row.cohort, name: row.name, role: row.role, sentBy: row.sentBy ?? options.sentBy ?? null })),
    { ttlDays: options.ttlDays },
  );
  mkdirSync(options.outDir, { recursive: true, mode: 0o700 });
  const result: PrepareResult = { outDir: options.outDir, created: [], skipped: [], failed: [], failedCsv: null, preview: null };
  const entries = new Map(readExistingManifest(options.outDir).map((e) => [e.inviteId, e]));
  const previewItems: PreviewItem[] = [];

  const render = async (row: CohortRow, inviteId: string, code: string, expiresAt: Date, reissued: boolean) => {
    const recipient = { email: row.email, cohort: row.cohort, code, expiresAt, inviteId, ...(row.name ? { name: row.name } : {}) };
    const file = `${inviteId}.eml`;
    writeFileSync(join(options.outDir, file), await buildInviteEml(compiled, recipient), { mode: 0o600 });
    if (previewItems.length < options.previewLimit) {
      const rendered = compiled.render(recipient);
      previewItems.push({ to: row.name ? `${row.name} <${row.email}>` : row.email, subject: rendered.subject, html: rendered.html });
    }
    entries.set(inviteId, { inviteId, email: row.email, cohort: row.cohort, file });
    result.created.push({ line: row.line, inviteId, email: row.email, cohort: row.cohort, reissued });
  };

  for (const [i, outcome] of outcomes.entries()) {
    const row = rows[i]!;
    if (outcome.status === 'created') {
      await render(row, outcome.id, outcome.code, outcome.expiresAt, false);
    } else if (outcome.status === 'failed') {
      result.failed.push({ line: row.line, email: row.email, cohort: row.cohort, sentBy: row.sentBy, role: row.role, name: row.name, reason: outcome.reason });
    } else if (options.reissueUnsent && outcome.existingId && outcome.existingSentAt === null) {
      const fresh = await reissueInviteCode(conn.db, outcome.existingId);
      if (fresh) await render(row, outcome.existingId, fresh.code, fresh.expiresAt, true);
      else result.skipped.push({ line: row.line, email: row.email, reason: `${outcome.reason}; not reissued (being sent, used or revoked)` });
    } else {
      result.skipped.push({ line: row.line, email: row.email, reason: outcome.reason });
    }
  }

  const sourceText = readFileSync(options.file);
  writeManifest(options.outDir, {
    schemaVersion: 1,
    createdAt: new Date().toISOString(),
    source: { file: basename(options.file), sha256: createHash('sha256').update(sourceText).digest('hex') },
    database: conn.target,
    mailFrom: compiled.settings.from.address,
    invites: [...entries.values()],
  });

  const failedCsv = join(options.outDir, 'failed.csv');
  if (result.failed.length > 0) {
    writeFailedCsv(failedCsv, result.failed);
    result.failedCsv = resolve(failedCsv);
  } else {
    rmSync(failedCsv, { force: true });
  }
  if (previewItems.length > 0) {
    const previewDir = join(options.outDir, 'preview');
    rmSync(previewDir, { recursive: true, force: true }); // the preview shows this run's emails only
    const preview = await writePreview(previewDir, previewItems, { screenshot: options.screenshot });
    result.preview = { index: preview.index, screenshot: preview.screenshot, ...(preview.reason ? { reason: preview.reason } : {}) };
  }
  return result;
}
