import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { hasInviteLink, inviteEmlProblem, withSendDate } from '@veza/email-templates';
import { dispatchInvites } from '@veza/invite-mailer';
import { findInviteEmlCode } from '@veza/invite-rules';
import type { DispatchItem, DispatchOptions, DispatchSummary as MailerSummary, MailEvent, Transport } from '@veza/invite-mailer';
import { digestCode, isDispatcherAlive, markInviteSent, parseCode, sendStates } from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { ExitError } from '../exit-error.js';
import { folderOpenToOthers } from '../prepare/durable-files.js';
import type { Manifest, ManifestInvite } from './manifest.js';
import type { Progress } from './progress.js';

/**
 * The mailer's summary of a folder's dispatch, and why dispatch.log misses
 * outcomes when it could not be written (a full disk): the sends went on and
 * the database has every outcome, but the operator's record is incomplete.
 */
export type DispatchSummary = MailerSummary & {
  logFailure?: string;
  /** emails dispatch.log records as sent that the database still had claimed by a dispatcher gone since: recorded as sent now (counted in alreadySent) */
  recordedFromLog?: { inviteId: string; email: string; loggedAt: string }[];
};

/** The operator's record of a folder's dispatch: one tab-separated line per outcome, appended. */
export const DISPATCH_LOG = 'dispatch.log';

/** The second isoTime last formatted (whole seconds since the epoch), and its text up to the milliseconds. */
let isoSecond = NaN;
let isoPrefix = '';

/**
 * `new Date(ms).toISOString()`, the date and the second formatted once per second (the same text): a
 * dispatch writes a dispatch.log line per email, a thousand a second, and toISOString cost 0.7 µs each.
 */
export function isoTime(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== isoSecond) {
    const iso = new Date(second * 1000).toISOString(); // throws RangeError for a time out of range, as before
    isoPrefix = iso.slice(0, iso.length - 4); // up to the dot before the milliseconds ("…T08:00:00.")
    isoSecond = second;
  }
  const milli = ms - second * 1000;
  return `${isoPrefix}${milli < 10 ? '00' : milli < 100 ? '0' : ''}${milli}Z`;
}

/**
 * dispatch.log, opened once per dispatch (not once per line): each line is
 * written before the next outcome is handled. A line that cannot be written
 * (ENOSPC, EIO) does not stop the dispatch — an email the mailer took must
 * still be recorded in the database, or the next run would call it unknown —
 * it ends the log: `failure` says why, and the run does not exit 0.
 */
function openLog(dir: string): { line(event: MailEvent): void; close(): void; failure(): string | undefined } {
  const path = join(dir, DISPATCH_LOG);
  let fd: number | undefined;
  let failure: string | undefined;
  let missed = 0;
  return {
    line(event) {
      if (failure) return void missed++;
      const clean = event.detail.replace(/[\t\r\n]+/g, ' ');
      try {
        fd ??= openSync(path, 'a', 0o600);
        // the claimer last: a sent line counts for the claim it ended only (readLoggedSends)
        const claimer = event.claimedBy ? `\t${event.claimedBy}` : '';
        writeSync(fd, `${isoTime(Date.now())}\t${event.id}\t${event.email}\t${event.type}\t${clean}${claimer}\n`);
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        failure = `${path} could not be written (${e.code ?? 'error'}: ${e.message.split(',')[0]})`;
        missed++;
      }
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
    failure: () =>
      failure &&
      `${failure}: ${missed} outcome(s) are missing from it. Every outcome is in the database ('veza-beta invites report'); free some space before the next run.`,
  };
}

/**
 * Why the code in an invitation .eml is not the invite's any more (it was
 * given a new one with `--reissue-unsent`, in another folder), or null. The
 * invite's code must be among the code-shaped values after `invite=` (a name
 * can hold `invite=…` too, before the link: the first one proves nothing). A
 * file without any invitation link is not checked here.
 */
/** Whether one of the code-shaped values after `invite=` in the .eml is the code of `digest`. */
export function emlHoldsCode(eml: Buffer, digest: string): boolean {
  // the search stops at the invite's code (in the link, 1.2 KB into the file): the rest of the file is not read.
  // An anonymous function: tsx (the launcher runs the sources through it) names each named closure as it is
  // made, a defineProperty per call, about a microsecond per email.
  return (
    findInviteEmlCode(eml, (written) => {
      const parsed = parseCode(written);
      return parsed.ok && digestCode(parsed.code) === digest;
    }) !== undefined
  );
}

function replacedCode(eml: Buffer, digest: string): string | null {
  if (emlHoldsCode(eml, digest)) return null;
  // no code of it matches: a file without any link is not checked here (a second scan only on this rare path)
  if (!hasInviteLink(eml)) return null;
  return "its code is not the invite's any more (given a new one with --reissue-unsent: dispatch the folder that has it)";
}

/**
 * The .eml of one invite. A file deleted after the review (leaving someone out
 * by deleting their .eml before SEND=1, as one would in the shell version's folder) failed with
 * a bare ENOENT and "run the same command again to retry", which fails again:
 * now it says what to do instead.
 */
function readInviteEml(path: string, email: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      `${path}: no such file (deleted after the review?); not sent. To leave ${email} out: 'veza-beta invites revoke ${email}'; to send it after all, give it a new .eml: 'veza-beta invites prepare COHORT.csv --reissue-unsent'`,
    );
  }
}

/**
 * One invite of the folder, for the mailer: its .eml is read when its turn comes, checked, and dated.
 * A class, not an object with an `eml` closure per invite: tsx names every such closure as it is made
 * (a defineProperty each, 10,000 before the first send of a 10,000 dispatch).
 */
class FolderItem implements DispatchItem {
  readonly inviteId: string;
  readonly email: string;
  readonly cohort: string;
  private readonly dir: string;
  private readonly file: string;

  constructor(dir: string, invite: ManifestInvite) {
    this.inviteId = invite.inviteId;
    this.email = invite.email;
    this.cohort = invite.cohort;
    this.dir = dir;
    this.file = invite.file;
  }

  // Read when its turn comes, synchronously: a 20 KB .eml just written is in the page cache, and
  // readFileSync costs about 15 µs of this thread where fs.promises' four thread-pool hops cost 70.
  // A file that is not this invite's whole .eml (copied over, cut short) is a failure, not a send.
  eml(claim: { codeDigest: string }): Buffer {
    const path = join(this.dir, this.file);
    const eml = readInviteEml(path, this.email);
    const damaged = inviteEmlProblem(eml, this.inviteId);
    if (damaged) throw new Error(`${path}: ${damaged}; not sent (give the invite a new .eml: invites prepare --reissue-unsent)`);
    // the digest as the claim found it: a reissue after the start of this dispatch is seen too
    const replaced = replacedCode(eml, claim.codeDigest);
    if (replaced) throw new Error(`${path}: ${replaced}; not sent`);
    // dated when sent, not when prepared (days before, maybe); the buffer just read is this send's alone: no copy
    return withSendDate(eml, new Date(), { inPlace: true });
  }
}

export interface DispatchTally {
  sent: number;
  failed: number;
}

/**
 * The emails of `ids` that the folder's dispatch.log records as sent while
 * the database still has them claimed, by a dispatcher that is gone: the
 * transport took them, and that run ended before it recorded them (killed
 * between the two; or a veza-beta older than the database, whose next claim
 * was refused by 996_claim_guard.sql, with the sends of its last batch not
 * yet recorded). They were "unknown", and --resend-unknown sent them a second
 * time. Recorded as sent now; returned for the summary.
 */
export async function recordLoggedSends(
  conn: Connection,
  dir: string,
  ids: readonly string[],
  loggedSends?: LoggedSends,
): Promise<{ inviteId: string; email: string; loggedAt: string }[]> {
  // the caller's reading of the log (invites send reads it once per run), else this folder's, for these invites only
  const logged = loggedSends ?? readLoggedSends(dir, new Set(ids));
  const inLog = ids.filter((id) => logged.has(id));
  if (inLog.length === 0) return [];
  const recorded: { inviteId: string; email: string; loggedAt: string }[] = [];
  // one liveness question per claimer: a dead run left up to 7N − 1 claims
  const alive = new Map<string, boolean>();
  for (const state of await sendStates(conn.db, inLog)) {
    if (state.state !== 'claimed' || !state.claimedBy) continue;
    // a line naming its claimer proves only that claim's send: the invite may have been given back,
    // reissued and claimed again since (a line of a veza-beta before 2026-11-29 names none)
    const by = logged.get(state.id)!.claimedBy;
    if (by !== undefined && by !== state.claimedBy) continue;
    if (!alive.has(state.claimedBy)) alive.set(state.claimedBy, await isDispatcherAlive(conn.db, state.claimedBy));
    if (alive.get(state.claimedBy)) continue;
    await markInviteSent(conn.db, state.id);
    const { email, loggedAt } = logged.get(state.id)!;
    recorded.push({ inviteId: state.id, email, loggedAt });
  }
  return recorded;
}

/** A 'sent' line: when, to whom, and by which dispatcher's claim (undefined in the lines of older versions, which did not say). */
type LoggedSend = { email: string; loggedAt: string; claimedBy?: string };
/** The 'sent' lines of a folder's dispatch.log, by invite id. */
export type LoggedSends = ReadonlyMap<string, LoggedSend>;

/**
 * The 'sent' lines of the folder's dispatch.log (of the invites in `wanted` only, when given); none when
 * it has none yet or cannot be read (a folder in its place): evidence only, the dispatch goes on without it.
 */
export function readLoggedSends(dir: string, wanted?: ReadonlySet<string>): Map<string, LoggedSend> {
  const logged = new Map<string, LoggedSend>();
  let text: string;
  try {
    text = readFileSync(join(dir, DISPATCH_LOG), 'utf8');
  } catch {
    return logged;
  }
  for (const line of text.split('\n')) {
    const [at, id, email, type, , claimedBy] = line.split('\t');
    if (type === 'sent' && id && at && email && (!wanted || wanted.has(id)))
      logged.set(id, claimedBy ? { email, loggedAt: at, claimedBy } : { email, loggedAt: at });
  }
  return logged;
}

/**
 * Sends a prepared folder through @veza/invite-mailer: the folder and its
 * manifest are the operator's files (read here), the rules are the lib's. Each
 * outcome goes to dispatch.log and, for sends, to the progress bar.
 */
export async function dispatchFolder(
  conn: Connection,
  dir: string,
  manifest: Pick<Manifest, 'invites' | 'mailFrom'>,
  transport: Transport,
  options: Omit<DispatchOptions, 'from' | 'onEvent'> & {
    only?: ReadonlySet<string> | undefined;
    /** counted as the sends end: what a dispatch stopped by an error had done (the summary never comes then) */
    tally?: DispatchTally | undefined;
    /** dispatch.log's 'sent' lines read once by the caller (invites send dispatches a folder chunk by chunk) */
    loggedSends?: LoggedSends | undefined;
  },
  progress: Progress,
): Promise<DispatchSummary> {
  // dispatch.log is appended to there: a link planted by another user must not make it land elsewhere
  const open = folderOpenToOthers(dir);
  if (open) throw new ExitError(1, `${open}\nNothing was sent.`);
  const { only, tally, loggedSends, ...send } = options;
  const invites = only ? manifest.invites.filter((invite) => only.has(invite.inviteId)) : manifest.invites;
  const items = invites.map((invite) => new FolderItem(dir, invite));
  const recordedFromLog = await recordLoggedSends(
    conn,
    dir,
    invites.map((invite) => invite.inviteId),
    loggedSends,
  );
  const log = openLog(dir);
  try {
    const mailed: DispatchSummary = await dispatchInvites(conn, items, transport, {
      ...send,
      from: manifest.mailFrom,
      onEvent: (event) => {
        log.line(event);
        if (event.type === 'sent') progress.update(event.done, `sent ${event.email}`);
        else if (event.type === 'failed') progress.update(event.done, `FAILED ${event.email}`);
        if (tally && (event.type === 'sent' || event.type === 'failed')) tally[event.type]++;
      },
    });
    const summary: DispatchSummary = recordedFromLog.length > 0 ? { ...mailed, recordedFromLog } : mailed;
    const logFailure = log.failure();
    return logFailure ? { ...summary, logFailure } : summary;
  } finally {
    log.close();
    progress.finish();
  }
}
