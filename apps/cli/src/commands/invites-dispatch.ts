import { existsSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { CommandModule, Argv } from 'yargs';
import { withDatabase } from '../database.js';
import { SEND_DEFAULTS } from '@veza/invite-mailer';
import { dataDirSetting } from '@veza/invites-db';
import { dispatchFolder } from '../dispatch/dispatch-folder.js';
import type { DispatchSummary } from '../dispatch/dispatch-folder.js';
import { readManifest } from '../dispatch/manifest.js';
import { createProgress } from '../dispatch/progress.js';
import { cliSettings, loadEnv } from '../env.js';
import { ExitError } from '../exit-error.js';
import { gracefulStop } from '../graceful-stop.js';
import { printJson } from '../output.js';
import { openTransport } from '../dispatch/open-transport.js';

export interface DispatchArgs {
  rate?: number;
  concurrency: number;
  retries: number;
  'retry-delay': number;
  'resend-unknown': boolean;
  json: boolean;
}

/** The options of every sending command (invites dispatch and send, outbox drain); `what` is what they send. */
export function sendingOptions<T>(y: Argv<T>, what: string) {
  return y
    .option('rate', { type: 'number', describe: 'Emails per second (default: SEND_RATE, else 10)' })
    .option('retries', { type: 'number', default: 3, describe: 'Retries of a temporary failure (SMTP 4xx, SEND_CMD exit 75)' })
    .option('retry-delay', { type: 'number', default: 1000, describe: 'First retry delay in ms, doubled each time' })
    .option('resend-unknown', {
      type: 'boolean',
      default: false,
      describe: `Also send ${what} whose earlier send had no recorded outcome (a crash mid-send): may send them twice`,
    })
    .option('json', { type: 'boolean', default: false, describe: 'Print the summary as JSON' });
}

/** The dispatch options, shared with `invites send`. */
export function dispatchOptions<T>(y: Argv<T>) {
  return sendingOptions(y, 'emails').option('concurrency', { type: 'number', default: 1, describe: 'Emails in flight at once' });
}

/** FAIL_FAST_AFTER: consecutive failures of one kind before dispatch stops (5); 0 never stops. A bad value is exit 3 (cliSettings). */
export function failFastFrom(env: NodeJS.ProcessEnv): number {
  return cliSettings(env).FAIL_FAST_AFTER ?? SEND_DEFAULTS.failFastAfter;
}

/** The failure of an email whose dispatch.log line could not be written (dispatch-folder.ts): not the transport's. */
const LOG_NOT_WRITTEN = /an email goes out only once dispatch\.log says so/;

/** What a mailer's exit status says about the transport (sysexits.h), for the fail-fast message. */
export function transportHint(response: string): string {
  const exit = /^exit (\d+)/.exec(response)?.[1];
  const hints: Record<string, string> = {
    '78': 'the mailer reports a configuration error (exit 78, EX_CONFIG): check its account and configuration file (for msmtp: ~/.msmtprc, or -a ACCOUNT in SEND_CMD)',
    '77': 'the mailer lacks a permission (exit 77, EX_NOPERM)',
    '69': 'the mail service is unavailable (exit 69, EX_UNAVAILABLE)',
    '127': 'SEND_CMD could not run its program (exit 127: command not found)',
    '126': 'SEND_CMD could not run its program (exit 126: not executable)',
  };
  if (exit && hints[exit]) return hints[exit];
  if (LOG_NOT_WRITTEN.test(response))
    return "the folder's dispatch.log cannot be written (a full disk, a read-only folder): no email goes out without its line there; free some space or make the folder writable";
  if (/\(TLS[ )]/.test(response))
    return "the TLS connection to the relay fails before anything is sent: do what each failure above says (the relay's certificate, or smtp:// against smtps://)";
  if (/^4\d\d/.test(response))
    return 'the relay answers "try again later" (4xx) to everyone: it may limit how much mail it takes from this machine; lower --rate (or SEND_RATE) and run the same command again later';
  // 552 is also a full mailbox (5.2.2, "exceeded storage allocation"): that is the recipients', not a size limit
  if (/^5\d\d[ -]5\.3\.4\b/.test(response) || (/^552\b/.test(response) && !/^552[ -]5\.2\.2\b/.test(response)))
    return "the relay refuses messages this big (552 5.3.4): its size limit is below the email's size; raise it (Postfix: message_size_limit) or send through a relay that takes them";
  if (/^5\d\d|EAUTH|authentication/i.test(response))
    return 'the SMTP server refuses the messages themselves or the login (check SMTP_URL, its user and password, and MAIL_FROM)';
  return 'the mail transport fails the same way for everyone';
}

/** None of the folder's invites is here: name the database it was prepared on, and how to point the command at it. */
function notPreparedHere(preparedOn: string | undefined, used: string | undefined): string {
  if (!preparedOn) return 'is DATABASE_URL the database the folder was prepared on (its manifest.json says which)?';
  if (preparedOn === used)
    return `the folder was prepared on this database (${preparedOn}, its manifest.json says so), which no longer holds them: it was replaced since (restored, made again) or they were deleted`;
  const how = preparedOn.startsWith('embedded database ')
    ? `DATABASE_URL unset, and ${dataDirSetting(dirname(preparedOn.slice('embedded database '.length)))}`
    : `DATABASE_URL=${preparedOn}, with its password`;
  return `the folder was prepared on ${preparedOn} (its manifest.json says so): run the command again on that database (${how})`;
}

/** The database manifest.json names, if it can still be read. */
function preparedOn(dir: string): string | undefined {
  try {
    return readManifest(dir).database;
  } catch {
    return undefined;
  }
}

/** --rate, else SEND_RATE, else the lib's default (10 emails/s). */
export function rateFrom(args: { rate?: number | undefined }, env: NodeJS.ProcessEnv): number {
  // A bad SEND_RATE is a configuration error (exit 3, cliSettings) even with --rate: any bad variable stops the command.
  const raw = args.rate ?? cliSettings(env).SEND_RATE ?? SEND_DEFAULTS.rate;
  if (!Number.isFinite(raw) || raw <= 0)
    throw new ExitError(1, `--rate: expected a positive number of emails per second, got '${args.rate}'`);
  return raw;
}

/** `where`: the database the folder's manifest.json names and the one used, said when none of its invites is in this one. */
export function formatDispatchSummary(
  summary: DispatchSummary,
  dir: string,
  where?: { preparedOn?: string | undefined; used?: string | undefined },
): string {
  const elsewhere = summary.elsewhere.length;
  const lines = [
    `dispatch of ${dir}: ${summary.sent} sent now${summary.sentRevoked.length ? ` (${summary.sentRevoked.length} of them revoked while being sent)` : ''}, ${summary.alreadySent} already sent, ${summary.failed.length} failed, ${summary.unknown.length} unknown, ${summary.skipped.length} skipped${summary.expired.length ? `, ${summary.expired.length} expired` : ''}${summary.stopped ? `, ${summary.stopped.notTried} not tried` : ''}${summary.lockLost?.notTried ? `, ${summary.lockLost.notTried} not tried` : ''}${elsewhere > 0 ? `, ${elsewhere} with another dispatcher` : ''} (of ${summary.total}).`,
  ];
  for (const f of summary.failed) lines.push(`  failed   ${f.email}: ${f.response}`);
  for (const u of summary.unknown)
    lines.push(
      `  unknown  ${u.email}: ${u.reason ?? `claimed by ${u.claimedBy ?? '?'} at ${u.claimedAt ?? '?'}, outcome not recorded (a crash mid-send?)`}. Check the mail log; resend with --resend-unknown.`,
    );
  for (const r of summary.recordedFromLog ?? [])
    lines.push(
      r.unsentInDatabase
        ? `  recorded ${r.email}: sent at ${r.loggedAt} (dispatch.log says so), but unsent in this database (restored from a backup taken before that send?): recorded as sent now, not sent again`
        : `  recorded ${r.email}: sent at ${r.loggedAt} by a run that ended before recording it (dispatch.log says so): recorded as sent now, not sent again`,
    );
  for (const g of summary.givenBackFromLog ?? [])
    lines.push(
      `  given back ${g.email}: claimed by ${g.claimedBy}, a run that ended before trying it (dispatch.log has no 'sending' line for it): dispatched again now, not unknown`,
    );
  for (const s of summary.skipped) lines.push(`  skipped  ${s.email}: invite ${s.reason}`);
  for (const r of summary.sentRevoked)
    lines.push(`  revoked  ${r.email}: sent, but revoked while its email was being sent: it went out, with a code that no longer works`);
  for (const e of summary.elsewhere)
    lines.push(
      e.claimedBy
        ? `  elsewhere ${e.email}: claimed by the dispatcher ${e.claimedBy}, not recorded as sent when this one ended`
        : `  elsewhere ${e.email}: not sent: another dispatcher had it and gave it back unsent (its send failed, or it stopped), or it was busy in the database`,
    );
  if (elsewhere > 0)
    lines.push(
      `${elsewhere} email(s) were with another dispatcher of this folder and are not confirmed sent: when it has ended, run the same command again (it sends whatever is still unsent).`,
    );
  const missing = summary.skipped.filter((s) => s.reason === 'missing').length;
  if (missing > 0)
    lines.push(
      `${missing} invite(s) of the folder are not in this database: ${missing === summary.total ? notPreparedHere(where?.preparedOn, where?.used) : "deleted since (invites cleanup)? Prepare them again: 'veza-beta invites prepare COHORT.csv --out out-new'."}`,
    );
  const lost = summary.lostFromLog?.length ?? 0;
  if (lost > 0)
    lines.push(
      `${lost} of them were emailed before (dispatch.log says so): their links answer "invalid code" and nothing was sent again. Tell them, then give them a new code: 'veza-beta invites prepare COHORT.csv --reinvite-lost --out out-new', then 'veza-beta invites dispatch out-new' (each gets a second email).`,
    );
  for (const e of summary.expired) lines.push(`  expired  ${e.email}: not emailed, its code expired before it was sent`);
  if (summary.expired.length) {
    lines.push(
      `${summary.expired.length} invite(s) expired before they were sent and were not emailed. To invite them again: 'veza-beta invites cleanup' (deletes expired unused invites), then 'veza-beta invites prepare COHORT.csv --out out-new' (only they are created again) and 'veza-beta invites dispatch out-new'.`,
    );
  }
  if (summary.stopped) {
    lines.push(
      `Dispatch STOPPED after ${summary.stopped.failures} consecutive failures of the same kind: ${summary.stopped.response}`,
      `  ${transportHint(summary.stopped.response)}.`,
      `  ${summary.stopped.notTried} email(s) were not tried and are still unsent: fix ${LOG_NOT_WRITTEN.test(summary.stopped.response) ? 'that' : 'the transport'}, then run the same command again (FAIL_FAST_AFTER sets the limit).`,
    );
  }
  if (summary.lockLost)
    lines.push(
      `Dispatch STOPPED: its database lock was lost (the server restarted, or the connection was cut): other dispatchers could take its claims for a crash's; ${summary.lockLost.notTried > 0 ? `${summary.lockLost.notTried} email(s) not tried are still unsent: run the same command again` : 'every email had been tried: run the same command again to confirm (nothing sent is sent again)'}.`,
      '  The emails it had in flight then ended and are recorded: a dispatch run meanwhile on another machine may have listed them as unknown; they are not, so run it without --resend-unknown.',
    );
  if (summary.interrupted)
    lines.push(
      `Dispatch INTERRUPTED: ${summary.interrupted.notTried} email(s) were not tried and are still unsent; run the same command again to send them.`,
    );
  if (summary.failed.length) lines.push(`Run the same command again to retry the failed ones; details in ${dir}/dispatch.log.`);
  if (summary.logFailure) lines.push(summary.logFailure);
  return lines.join('\n');
}

/** The dispatch options from the command line and the environment (SEND_RATE, FAIL_FAST_AFTER); throws an exit error on a bad value. */
export function dispatchSettings(args: DispatchArgs, env: NodeJS.ProcessEnv) {
  return {
    rate: rateFrom(args, env),
    concurrency: args.concurrency,
    retries: args.retries,
    retryDelayMs: args['retry-delay'],
    resendUnknown: args['resend-unknown'],
    failFastAfter: failFastFrom(env),
  };
}

/**
 * Whether dispatch draws a bar (stderr is a terminal, not CI, not --json). `TERM=dumb` (Emacs' shell, some
 * IDE consoles) shows the erase-line sequence as text: plain lines there.
 */
export function progressOnTty(args: DispatchArgs, env: NodeJS.ProcessEnv): boolean {
  return Boolean(process.stderr.isTTY) && env['TERM'] !== 'dumb' && !cliSettings(env).CI && !args.json;
}

/**
 * Dispatches a prepared folder; `only` limits it to some of its invites (invites send FILE).
 * `signal`: the caller's graceful stop (invites send holds one for its whole run); without it, Ctrl-C is handled here.
 */
export async function runDispatch(
  dir: string,
  args: DispatchArgs,
  env: NodeJS.ProcessEnv,
  only?: ReadonlySet<string>,
  opened: { database?: string } = {},
  signal?: AbortSignal,
): Promise<DispatchSummary> {
  const settings = dispatchSettings(args, env); // bad settings first: exit 3, whatever the folder
  if (!existsSync(dir)) throw new ExitError(1, `${dir}: no such folder`);
  if (!statSync(dir).isDirectory()) throw new ExitError(1, `${dir} is a file, not a folder written by invites prepare`);
  const manifest = readManifest(dir);
  const total = only ? manifest.invites.filter((invite) => only.has(invite.inviteId)).length : manifest.invites.length;
  const transport = openTransport(env, args.concurrency);
  const tty = progressOnTty(args, env);
  const stop = signal ? { signal, dispose: () => undefined } : gracefulStop();
  const tally = { sent: 0, failed: 0 };
  try {
    return await withDatabase(env, (conn) => {
      opened.database = conn.target;
      return dispatchFolder(
        conn,
        dir,
        manifest,
        transport,
        { ...settings, only, signal: stop.signal, tally },
        createProgress(total, { tty, quiet: args.json }),
      );
    });
  } catch (error) {
    // A folder prepared on PostgreSQL, dispatched without DATABASE_URL: migrating the embedded database would not find its invites.
    if ((error as { code?: unknown }).code === 'INVITES_DB_NOT_MIGRATED' && manifest.database)
      process.stderr.write(
        `${dir} was prepared on ${manifest.database} (its manifest.json says so): dispatch it on that database; a new one, migrated, would not hold its invites.\n`,
      );
    // no summary comes after an error (the database gone mid-run): say what had been done, and what to do
    if (tally.sent + tally.failed > 0)
      process.stderr.write(
        `dispatch of ${dir} stopped by the error below, after ${tally.sent} sent and ${tally.failed} failed (${join(dir, 'dispatch.log')} has each). Once it is fixed, run the same command again: nothing sent is sent again, and the emails that were in flight are listed as unknown.\n`,
      );
    throw error;
  } finally {
    stop.dispose();
    await transport.close();
  }
}

/**
 * 0 only when every email of the folder is sent (now or before), or
 * deliberately not (revoked, redeemed): a failure, an unknown, an expired or
 * missing invite, a stop, a lost database lock, an email another dispatcher
 * had and did not record as sent, or a dispatch.log that could not be written is 1.
 */
export function dispatchExitCode(summary: DispatchSummary): number {
  const notDone =
    summary.failed.length > 0 ||
    summary.unknown.length > 0 ||
    summary.expired.length > 0 ||
    summary.elsewhere.length > 0 ||
    summary.skipped.some((s) => s.reason === 'missing') ||
    summary.logFailure !== undefined ||
    summary.stopped;
  // a lost lock is 1 even with a Ctrl-C: the dispatcher was stopped by the database, not only by the operator
  if (summary.lockLost) return 1;
  if (summary.interrupted) return 130; // stopped by the operator: the shell's code for Ctrl-C
  return notDone ? 1 : 0;
}

export const invitesDispatchCommand: CommandModule<object, DispatchArgs & { dir: string }> = {
  command: 'dispatch <dir>',
  describe: 'Send the rendered, not-yet-sent emails of a prepared folder (SEND_CMD or SMTP_URL)',
  builder: (y) =>
    dispatchOptions(y.positional('dir', { type: 'string', demandOption: true, describe: 'A folder written by invites prepare' }))
      .example('SEND_CMD="msmtp -t" $0 invites dispatch out-2026-11-23', 'Send through msmtp, 10 emails/s')
      .example('SMTP_URL=smtps://user:pass@smtp.example.org $0 invites dispatch out-2026-11-23 --rate 2', 'Send through SMTP'),
  handler: async (args) => {
    const env = loadEnv();
    const opened: { database?: string } = {};
    const summary = await runDispatch(args.dir, args, env, undefined, opened);
    if (args.json) printJson(summary);
    else {
      const noneHere = summary.total > 0 && summary.skipped.filter((s) => s.reason === 'missing').length === summary.total;
      const where = noneHere ? { preparedOn: preparedOn(args.dir), used: opened.database } : undefined;
      process.stdout.write(`${formatDispatchSummary(summary, args.dir, where)}\n`);
    }
    process.exitCode = dispatchExitCode(summary);
  },
};
