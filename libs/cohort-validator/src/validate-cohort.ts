import { TextDecoder } from 'node:util';
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { CohortChecker } from './cohort-checker.js';
import type { CohortRow, CohortSummary } from './cohort-checker.js';
import { CsvRecordReader } from './csv-record-reader.js';
import { CohortUserCheckError } from './errors.js';
import { finding } from './findings.js';
import type { Finding } from './findings.js';
import { resolveOptions } from './options.js';
import type { CohortValidationOptions, ResolvedOptions } from './options.js';
import { Utf8ChunkDecoder } from './utf8-chunk-decoder.js';

export interface CohortReport {
  /** the valid rows, only with `collectRows: true` */
  rows: CohortRow[] | undefined;
  summary: CohortSummary;
}

/**
 * The outcome of a validation. `value` is there in both cases (the CLI prints
 * the summary of a blocked file too); `ok` is false when anything blocks.
 */
export type CohortValidation =
  | { ok: true; value: CohortReport; errors: []; warnings: Finding[] }
  | { ok: false; value: CohortReport; errors: Finding[]; warnings: Finding[] };

/** Bytes read from the file at a time: larger chunks mean fewer string joins, smaller a lower peak. */
const READ_CHUNK_BYTES = 256 * 1024;

/**
 * Why a cohort file cannot be opened, in words an operator acts on, the errno kept for scripts:
 * `cannot read cohort.csv: no such file (looked for /srv/launch/cohort.csv) [ENOENT]`. A bare
 * `ENOENT` did not say that a relative path is read from the folder the command runs in.
 */
function cannotRead(path: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ENOENT: isAbsolute(path) ? 'no such file' : `no such file (looked for ${resolve(path)})`,
    EACCES: 'permission denied',
    ENOTDIR: 'a part of the path is a file, not a folder',
    ELOOP: 'too many symbolic links in the path',
    // Node's own words repeat the path (a long one three times in the line): said once
    ENAMETOOLONG: 'the path (or a name in it) is too long',
    EMFILE: 'too many open files (ulimit -n)',
    ENFILE: 'too many open files on this machine',
  };
  const what = (code && words[code]) ?? (error instanceof Error ? error.message : String(error));
  return `cannot read ${path}: ${what}${code ? ` [${code}]` : ''}`;
}

/** Validates a cohort CSV file as a stream; an unreadable file is a COHORT_UNREADABLE finding, not an exception. */
export async function validateCohortFile(path: string, options: CohortValidationOptions = {}): Promise<CohortValidation> {
  const resolved = resolveOptions(options);
  // Open once, first, so that a missing file or a directory is reported before any stream is made (a read
  // stream would report it as an 'error' event later), and read through that same descriptor: a FIFO
  // (`mkfifo`, a writer that writes the file once) was opened twice, its content went to the first open,
  // and the second waited for a writer that never came, for good.
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    return unreadable(resolved, cannotRead(path, error));
  }
  try {
    if ((await handle.stat()).isDirectory()) {
      await handle.close();
      return unreadable(resolved, `${path} is a directory`);
    }
  } catch (error) {
    await handle.close().catch(() => undefined);
    return unreadable(resolved, cannotRead(path, error));
  }
  const stream = handle.createReadStream({ highWaterMark: READ_CHUNK_BYTES }); // closes the handle at its end or error
  try {
    return await run(stream, resolved);
  } catch (error) {
    if (error instanceof CohortUserCheckError) throw error;
    return unreadable(resolved, `reading ${path} failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    stream.destroy();
  }
}

/** Validates a CSV from any byte stream (a file, stdin, an upload). */
export async function validateCohortStream(
  input: AsyncIterable<Uint8Array | string>,
  options: CohortValidationOptions = {},
): Promise<CohortValidation> {
  return run(input, resolveOptions(options));
}

/** Validates CSV text already in memory (tests, small uploads). */
export async function validateCohort(text: string | Uint8Array, options: CohortValidationOptions = {}): Promise<CohortValidation> {
  return run([text], resolveOptions(options));
}

async function run(
  input: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array | string>,
  options: ResolvedOptions,
): Promise<CohortValidation> {
  const checker = new CohortChecker(options);
  const reader = new CsvRecordReader(checker);
  let first = true;
  const decoder = new Utf8ChunkDecoder((line) => checker.invalidBytes(line));
  // Text that starts with a UTF-16 byte order mark (FF FE, FE FF): Excel's "Unicode text" export
  // (tab-separated), decoded as such; the reader drops the mark.
  let utf16: TextDecoder | null = null;
  for await (const chunk of input) {
    if (first && typeof chunk !== 'string' && chunk.length >= 2) {
      if (chunk[0] === 0xff && chunk[1] === 0xfe) utf16 = new TextDecoder('utf-16le');
      else if (chunk[0] === 0xfe && chunk[1] === 0xff) utf16 = new TextDecoder('utf-16be');
    }
    first = false;
    // Strings are already text (no bytes to check); Buffers and Uint8Arrays are decoded.
    reader.push(
      typeof chunk === 'string'
        ? chunk
        : utf16
          ? utf16.decode(chunk, { stream: true })
          : decoder.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)),
    );
    if (options.existingUsers) await lookUpUsers(checker, options, false);
  }
  reader.push(utf16 ? utf16.decode() : decoder.end());
  reader.end();
  if (options.existingUsers) await lookUpUsers(checker, options, true);
  return toValidation(checker.finish());
}

async function lookUpUsers(checker: CohortChecker, options: ResolvedOptions, all: boolean): Promise<void> {
  const lookup = options.existingUsers;
  if (!lookup) return;
  for (const batch of checker.takeUserBatches(all)) {
    let existing: Set<string>;
    try {
      existing = await lookup(batch.emails);
    } catch (error) {
      throw new CohortUserCheckError(error);
    }
    checker.existingUsers(batch, existing);
  }
}

function toValidation(done: ReturnType<CohortChecker['finish']>): CohortValidation {
  const value = { rows: done.rows, summary: done.summary };
  if (done.errors.length === 0) return { ok: true, value, errors: [], warnings: done.warnings };
  return { ok: false, value, errors: done.errors, warnings: done.warnings };
}

function unreadable(options: ResolvedOptions, message: string): CohortValidation {
  const checker = new CohortChecker(options);
  const done = checker.finish();
  const errors = [finding('COHORT_UNREADABLE', null, null, message)];
  return { ok: false, value: { rows: done.rows, summary: done.summary }, errors, warnings: [] };
}
