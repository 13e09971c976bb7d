import { problemText } from '@veza/invite-rules';
import { SETTINGS_EXIT_CODE } from '@veza/settings';
import { formatFindings } from '@veza/cohort-validator';
import { compileInviteTemplate, emailSettingsFromEnv } from '@veza/email-templates';
import type { CompiledInvite } from '@veza/email-templates';
import type { Argv, CommandModule } from 'yargs';
import type { Connection } from '@veza/invites-db';
import { withDatabase } from '../database.js';
import type { StreamedDispatch } from '../dispatch/streamed-dispatch.js';
import { loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { gracefulStop, quitCode } from '../graceful-stop.js';
import { localDay } from '@veza/gate-probes';
import { printJson } from '../output.js';
import { PREPARE_CHUNK_ROWS, prepareInvites } from '../prepare/prepare-invites.js';
import type { PrepareResult } from '../prepare/prepare-invites.js';
import { isForced, validateWithArgs, validationOptions, verdictLine } from './cohort-validate.js';
import type { ValidateArgs } from './cohort-validate.js';
import { shellWord } from '../shell-word.js';

export interface PrepareArgs extends ValidateArgs {
  file: string;
  out?: string;
  'sent-by'?: string;
  'template-dir'?: string;
  'ttl-days': number;
  'reissue-unsent': boolean;
  'reinvite-revoked': boolean;
  'reinvite-lost': boolean;
  screenshot: boolean;
  'chunk-rows': number;
  json: boolean;
}

export function prepareOptions<T>(y: Argv<T>) {
  return validationOptions(y.positional('file', { type: 'string', demandOption: true, describe: 'The cohort CSV' }))
    .option('out', { type: 'string', describe: 'Folder for the .eml files (default out-<YYYY-MM-DD>)' })
    .option('sent-by', { type: 'string', describe: "Inviter for rows without sent_by: a user's email or id" })
    .option('template-dir', { type: 'string', describe: 'Folder with beta-invite.mjml and beta-invite.txt (default: the built-in ones)' })
    .option('ttl-days', { type: 'number', default: 30, describe: 'Days until the codes expire' })
    .option('reissue-unsent', {
      type: 'boolean',
      default: false,
      describe: 'Give a new code to invites created earlier but never sent (their old .eml stops working)',
    })
    .option('reinvite-revoked', {
      type: 'boolean',
      default: false,
      describe: 'Invite again addresses whose invites were all revoked (skipped otherwise: a person who asked to be left out stays out)',
    })
    .option('reinvite-lost', {
      type: 'boolean',
      default: false,
      describe:
        'Invite again people emailed a code the database no longer has (restored from a backup older than the send; skipped otherwise): each gets a second email with a new code',
    })
    .option('screenshot', { type: 'boolean', default: true, describe: 'Screenshot the first email in headless Chromium for the preview' })
    .option('chunk-rows', {
      type: 'number',
      default: PREPARE_CHUNK_ROWS,
      describe: 'Rows per transaction: a chunk keeps all its invites and complete .eml files, or none',
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the result as JSON' });
}

/** A graceful stop that knows when prepare starts writing: `writing()` is called once the file is validated. */
export interface PrepareStop {
  signal: AbortSignal;
  dispose(): void;
  writing(): void;
}

/**
 * Ctrl-C (SIGTERM, SIGHUP) during prepare: the chunk being written is finished and committed, no
 * other is started, the manifest lists what was prepared (exit 130). A second one quits at once.
 * While the file is still being validated nothing is written yet: the first one quits at once
 * (a large file takes seconds to validate, and there is nothing to finish), with the signal's code.
 */
export function stopPreparing(
  stopping = 'stopping after the chunk being prepared (its invites and .eml files are kept and listed, the rest of the file is not prepared)',
  quitting = 'the .eml files of the chunk being written then stay, with codes no invite has (the next prepare creates those rows again)',
): PrepareStop {
  let writing = false;
  const stop = gracefulStop(
    (name) => {
      if (writing) return;
      // quits at once, as a second signal does: the signal's own code (130 Ctrl-C, 143 SIGTERM, 129 hangup)
      process.stderr.write(
        '\nInterrupted before anything was written (the template, the file being validated or the database being opened): nothing was written.\n',
      );
      process.exit(quitCode[name]);
    },
    stopping,
    quitting,
  );
  return { ...stop, writing: () => void (writing = true) };
}

/** Settings and template first: nothing is written when an email cannot be rendered. */
export async function compileFromEnv(env: NodeJS.ProcessEnv, templateDir?: string): Promise<CompiledInvite> {
  const settings = emailSettingsFromEnv(env);
  if (!settings.ok)
    throw new ExitError(
      SETTINGS_EXIT_CODE,
      `cannot render the invitations; fix these settings first:\n  ${settings.problems.map(problemText).join('\n  ')}`,
    );
  return compileInviteTemplate({ settings: settings.value, ...(templateDir ? { templateDir } : {}) });
}

/** Rows of each kind (skipped, failed) the summary lists one by one (50 rows); the rest are counted. */
const LISTED_ROWS = 50;

/** The skip reason of a row whose invite is prepared and not sent (`createInvites`' wording). */
const UNSENT_REASON = 'this email already has an invite (not sent yet)';

/** `dispatched`: the same run dispatches next (`SEND=1 invites send`), so there is no dispatch command to suggest. */
export function formatPrepareResult(result: PrepareResult, options: { dispatched?: boolean } = {}): string {
  const reissued = result.created.filter((c) => c.reissued).length;
  const lines = [
    `prepared ${result.outDir}: ${result.created.length} email(s) rendered${reissued ? ` (${reissued} with a reissued code)` : ''}, ${result.skipped.length} skipped, ${result.failed.length} failed.`,
  ];
  // SEND=1 invites send of a file prepared before (the seed habit's step 2) skips every row as prepared and not
  // sent, then sends them from their folder: a count, not 50 lines that read as if nothing would be sent.
  const toSend = (s: PrepareResult['skipped'][number]) => Boolean(options.dispatched && s.inviteId && s.reason === UNSENT_REASON);
  const skipped = result.skipped.filter((s) => !toSend(s));
  const unsent = result.skipped.length - skipped.length;
  if (unsent > 0) lines.push(`  ${unsent} row(s) prepared before and not sent yet: see the dispatch below`);
  // The first rows of each kind: a rerun of a 300,000-row cohort printed 300,000 'skipped' lines.
  for (const s of skipped.slice(0, LISTED_ROWS)) lines.push(`  skipped  line ${s.line} ${s.email}: ${s.reason}`);
  if (skipped.length > LISTED_ROWS) lines.push(`  ... and ${skipped.length - LISTED_ROWS} more skipped (--json lists every row)`);
  for (const f of result.failed.slice(0, LISTED_ROWS)) lines.push(`  failed   line ${f.line} ${f.email}: ${f.reason}`);
  if (result.failed.length > LISTED_ROWS)
    lines.push(`  ... and ${result.failed.length - LISTED_ROWS} more failed (every failed row is in failed.csv, with its reason)`);
  // The retry file is small: the distribution warnings are expected there, hence --force.
  if (result.failedCsv)
    lines.push(
      `The failed rows are in ${result.failedCsv}: fix them, then run: veza-beta invites prepare ${shellWord(result.failedCsv)} --out ${shellWord(result.outDir)} --force`,
    );
  if (result.preview)
    lines.push(
      `Preview (codes shown as XXXX-XXXX-XXXX-XXXX): ${result.preview.index}${result.preview.screenshot ? `, screenshot ${result.preview.screenshot}` : ` (no screenshot: ${result.preview.reason ?? 'unknown'})`}`,
    );
  if (result.lost.length > 0)
    lines.push(
      `${result.lost.length} person(s) of the file were emailed an invitation whose code this database no longer has (restored from a backup taken before that send?): their link answers "invalid code", and they were not invited again, so that nobody gets a second code unannounced. Tell them, then give them a new code: the same command with --reinvite-lost (each gets a second email). Whom: the 'skipped' lines above, or --json.`,
    );
  if (result.interrupted)
    lines.push(
      `prepare INTERRUPTED: the ${result.interrupted.rows} row(s) from line ${result.interrupted.fromLine} on were not prepared; run the same command again to prepare them (${
        reissued
          ? 'with --reissue-unsent it gives the invites reissued now new codes once more, and rewrites their files'
          : 'the rows already prepared are skipped'
      }).`,
    );
  else if (result.created.length && !options.dispatched)
    lines.push(`Review the emails, then: veza-beta invites dispatch ${shellWord(result.outDir)}`);
  return lines.join('\n');
}

/**
 * prepare, as `invites prepare` and `invites send` run it; validation findings
 * that block end it with exit 1 or 2. `overlap` (invites send with SEND=1) may
 * return a dispatcher for the chunks as they commit, on prepare's connection;
 * prepare waits for it before the connection closes.
 */
export async function runPrepare(
  args: PrepareArgs,
  env: NodeJS.ProcessEnv,
  overlap?: (conn: Connection, rows: number) => StreamedDispatch | undefined,
  stop?: Pick<PrepareStop, 'signal' | 'writing'>,
): Promise<PrepareResult> {
  const compiled = await compileFromEnv(env, args['template-dir']);
  const validation = await validateWithArgs(args.file, args, env, true);
  const force = isForced(args, env);
  const blocked = !validation.ok || (validation.warnings.length > 0 && !force);
  if (blocked || validation.warnings.length > 0) {
    const out = args.json ? process.stderr : process.stdout;
    out.write(`${formatFindings(validation, { file: args.file, forced: force })}\n`);
  }
  if (blocked) {
    const code = validation.ok ? 2 : 1;
    throw new ExitError(code, `${verdictLine(code, validation)}\nNothing was written.`);
  }
  if (!Number.isInteger(args['ttl-days']) || args['ttl-days'] < 1)
    throw new ExitError(1, `--ttl-days: expected a whole number of days ≥ 1, got ${args['ttl-days']}`);
  if (!Number.isInteger(args['chunk-rows']) || args['chunk-rows'] < 1)
    throw new ExitError(1, `--chunk-rows: expected a whole number of rows ≥ 1, got ${args['chunk-rows']}`);
  process.umask(0o077); // the .eml files and the preview hold invite codes: operator only
  const rows = validation.value.rows ?? [];
  stop?.writing(); // from here on, Ctrl-C finishes the chunk being written
  return withDatabase(env, async (conn) => {
    const stream = overlap?.(conn, rows.length);
    try {
      return await prepareInvites(conn, compiled, rows, {
        file: args.file,
        outDir: args.out ?? `out-${localDay()}`,
        sentBy: args['sent-by'],
        ttlDays: args['ttl-days'],
        reissueUnsent: args['reissue-unsent'],
        reinviteRevoked: args['reinvite-revoked'],
        reinviteLost: args['reinvite-lost'],
        previewLimit: 50,
        screenshot: args.screenshot,
        chunkRows: args['chunk-rows'],
        onChunk: stream ? (chunk) => stream.add(chunk) : undefined,
        signal: stop?.signal,
      });
    } finally {
      await stream?.idle(); // the chunks' sends end, and are recorded, before the connection closes
    }
  });
}

export const invitesPrepareCommand: CommandModule<object, PrepareArgs> = {
  command: 'prepare <file>',
  describe: 'Validate, create the invites and render one .eml each into out-<date>/ (nothing is sent)',
  builder: (y) =>
    prepareOptions(y)
      .example('$0 invites prepare cohort.csv', 'Render into out-<today>/ and write a preview')
      .example('$0 invites prepare out-2026-11-23/failed.csv --out out-2026-11-23 --force', 'Retry exactly the rows that failed'),
  handler: async (args) => {
    const env = loadEnv();
    const stop = stopPreparing();
    let result: PrepareResult;
    try {
      result = await runPrepare(args, env, undefined, stop);
    } finally {
      stop.dispose();
    }
    if (args.json) printJson(result);
    else process.stdout.write(`${formatPrepareResult(result)}\n`);
    process.exitCode = result.interrupted ? 130 : result.failed.length > 0 || result.lost.length > 0 ? 1 : 0;
  },
};
