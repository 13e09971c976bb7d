import { closeSync, constants, fstatSync, openSync, readFileSync, statfsSync, writeSync } from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { join } from 'node:path';
import { hasInviteLink, inviteEmlProblem, withSendDate } from '@veza/email-templates';
import { dispatchInvites, workerProcess } from '@veza/invite-mailer';
import { findInviteEmlCode } from '@veza/invite-rules';
import type { DispatchItem, DispatchOptions, DispatchSummary as MailerSummary, MailEvent, Transport } from '@veza/invite-mailer';
import {
  digestCode,
  inviteCodeDigests,
  isDispatcherAlive,
  markInviteSent,
  parseCode,
  releaseUntriedClaims,
  sendStates,
} from '@veza/invites-db';
import type { Connection } from '@veza/invites-db';
import { ExitError } from '../exit-error.js';
import { readIfRegularFile } from '../regular-file.js';
import { folderOpenToOthers } from '../prepare/durable-files.js';
import { emailWord } from '../shell-word.js';
import type { Manifest, ManifestInvite } from './manifest.js';
import type { Progress } from './progress.js';

/**
 * The mailer's summary of a folder's dispatch, and why dispatch.log misses
 * outcomes when it could not be written (a full disk): the sends went on and
 * the database has every outcome, but the operator's record is incomplete.
 */
export type DispatchSummary = MailerSummary & {
  logFailure?: string;
  /**
   * emails dispatch.log records as sent that the database still had claimed by a dispatcher gone since, or
   * had unsent and unclaimed (`unsentInDatabase`: a database restored from a backup taken between prepare and
   * that send, the code in the inbox still its own): recorded as sent now (counted in alreadySent)
   */
  recordedFromLog?: { inviteId: string; email: string; loggedAt: string; unsentInDatabase?: true }[];
  /**
   * emails claimed by a dispatcher gone since that dispatch.log shows it never handed to the mailer
   * (claimed ahead, never tried): given back before this run, so dispatched now instead of "unknown"
   */
  givenBackFromLog?: { inviteId: string; email: string; claimedBy: string }[];
  /**
   * of the invites skipped as missing from the database, those dispatch.log says were emailed (a database
   * restored from a backup older than the send): their codes no longer work
   */
  lostFromLog?: { inviteId: string; email: string }[];
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

let bootIdRead: { id: string | undefined } | undefined;

/**
 * This machine's boot id (Linux: a random id drawn at each boot), or undefined where there is none.
 * dispatch.log is written through the page cache: a process killed (kill -9) loses none of its lines,
 * a power cut or a crash of the machine may. A line about a run on this very boot is therefore proof of
 * what that run wrote; one from an earlier boot is not.
 */
export function bootId(): string | undefined {
  if (!bootIdRead) {
    let id: string | undefined;
    try {
      id = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim() || undefined;
    } catch {
      id = undefined;
    }
    bootIdRead = { id };
  }
  return bootIdRead.id;
}

/**
 * Which file a dispatch.log is (device, inode, birth time), for its 'started' lines: a run's lines prove
 * what it wrote in this very file only. A copy of the folder (a backup taken mid-run, restored; `cp -r`)
 * holds the run's 'started' line and only the 'sending' lines written before the copy: read as that run's
 * log, the emails it handed to the mailer after the copy would be given back and sent twice.
 */
function logFileId(stat: BigIntStats): string {
  return `${stat.dev}:${stat.ino}:${stat.birthtimeNs}`;
}

/**
 * A field of a dispatch.log line: no tab or line break, which would shift the fields after it (an address
 * in a manifest edited by hand is not checked as prepare checks it: a 'sending' line whose fields moved
 * would not count, and its email would be given back after a crash).
 */
function oneField(text: string): string {
  return text.replace(/[\t\r\n]+/g, ' ');
}

/** Why a dispatch.log that is a FIFO, a device or a socket is refused. */
const NOT_A_FILE = 'not a regular file: a FIFO or a device in its place keeps no record';

/** What a dispatch needs of its dispatch.log. */
interface DispatchLog {
  /** one outcome line; a failure to write it ends the log but not the dispatch */
  line(event: MailEvent): void;
  /** the run's 'started' line, written before its first claim; throws when it cannot be written */
  started(claimedBy: string): void;
  /** the 'sending' line of an email about to go to the mailer (after a 'started' line for its claimer); throws when it cannot be written */
  sending(id: string, email: string, claimedBy: string): void;
  close(): void;
  failure(): string | undefined;
}

/**
 * dispatch.log, opened once per dispatch (not once per line): each line is
 * written before the next outcome is handled.
 *
 * Before the run claims anything, a 'started' line naming its claimer and this
 * machine's boot (DispatchOptions.beforeClaims); before each email is handed to
 * the mailer, a 'sending' line: an email goes out only once dispatch.log says so. After a crash the next run
 * gives back the claims of the dead run that have no 'sending' line (claimed
 * ahead, never tried) instead of calling them unknown (settleFromLog). When
 * that line cannot be written (ENOSPC, EIO, a read-only folder) the email is
 * not sent: it fails with the reason and its claim is given back.
 *
 * An outcome line that cannot be written does not stop the sends in flight —
 * an email the mailer took must still be recorded in the database, or the next
 * run would call it unknown — it ends the log: `failure` says why, no further
 * email is sent, and the run does not exit 0.
 */
function openLog(dir: string): DispatchLog {
  const path = join(dir, DISPATCH_LOG);
  let fd: number | undefined;
  let failure: string | undefined;
  let missed = 0;
  const started = new Set<string>();
  const failed = (error: unknown): false => {
    const e = error as NodeJS.ErrnoException;
    failure = `${path} could not be written (${e.code ? `${e.code}: ` : ''}${e.message.split(',')[0]!.replace(/^[A-Z]+: /, '')})`;
    return false;
  };
  /**
   * the log's descriptor, opened at its first use (appending, 0600). O_NONBLOCK: a FIFO in its place
   * (mkfifo dispatch.log, to follow it from another program) made the open wait for a reader, forever,
   * this thread blocked with the lock held; a FIFO or a device keeps nothing, so it is refused
   */
  const opened = (): number => {
    if (fd !== undefined) return fd;
    let opening: number;
    try {
      opening = openSync(path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NONBLOCK, 0o600);
    } catch (error) {
      // ENXIO: a FIFO no one reads, or a socket
      throw (error as NodeJS.ErrnoException).code === 'ENXIO' ? new Error(NOT_A_FILE) : error;
    }
    if (!fstatSync(opening).isFile()) {
      closeSync(opening);
      throw new Error(NOT_A_FILE);
    }
    return (fd = opening);
  };
  const write = (text: string): boolean => {
    try {
      // a disk that fills up mid-line writes part of it and says how much: a cut 'sending' line proves nothing
      const written = writeSync(opened(), text);
      if (written === Buffer.byteLength(text)) return true;
      failure = `${path} could not be written (a short write: ${written} of a line's ${Buffer.byteLength(text)} bytes; a full disk?)`;
      return false;
    } catch (error) {
      return failed(error);
    }
  };
  /** the file this run's lines go to (logFileId), undefined when it cannot be opened */
  const fileId = (): string | undefined => {
    try {
      return logFileId(fstatSync(opened(), { bigint: true }));
    } catch (error) {
      return void failed(error);
    }
  };
  /** the 'started' line of `claimedBy` (once), before `then`, in one write; false when it could not be written */
  const writeStarted = (claimedBy: string, at: string, then = ''): boolean => {
    const file = started.has(claimedBy) || failure ? undefined : fileId();
    const start = file ? `${at}\t-\t-\tstarted\tboot ${bootId() ?? 'unknown'} log ${file}\t${claimedBy}\n` : '';
    if (failure || !write(`${start}${then}`)) return false;
    started.add(claimedBy);
    return true;
  };
  const notWritten = () => `${failure ?? path}; an email goes out only once dispatch.log says so`;
  return {
    started(claimedBy) {
      if (!writeStarted(claimedBy, isoTime(Date.now())))
        throw new ExitError(
          1,
          `Dispatch stopped before claiming any email: ${notWritten()}. ${failure?.includes(NOT_A_FILE) ? `Remove it (rm ${path}: a new one is made)` : 'Free some space or make the folder writable'}, then run the same command again.`,
        );
    },
    line(event) {
      if (failure) return void missed++;
      const clean = oneField(event.detail);
      // the claimer last: a sent line counts for the claim it ended only (readDispatchLog)
      const claimer = event.claimedBy ? `\t${event.claimedBy}` : '';
      if (!write(`${isoTime(Date.now())}\t${event.id}\t${oneField(event.email)}\t${event.type}\t${clean}${claimer}\n`)) missed++;
    },
    sending(id, email, claimedBy) {
      const at = isoTime(Date.now());
      if (!writeStarted(claimedBy, at, `${at}\t${id}\t${oneField(email)}\tsending\tto the mailer\t${claimedBy}\n`))
        throw new Error(`not sent: ${notWritten()}`);
    },
    close() {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
    failure: () =>
      failure &&
      `${failure}: ${missed} outcome(s) are missing from it, and no email was sent after that. Every outcome is in the database ('veza-beta invites report'); free some space (or make the folder writable) before the next run.`,
  };
}

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

/** Whether the .eml at `path` holds the code whose digest is `digest` (a file missing, unreadable or not a regular file does not). */
export function fileHoldsCode(path: string, digest: string): boolean {
  try {
    const read = readIfRegularFile(path);
    return read !== null && emlHoldsCode(read.bytes, digest);
  } catch {
    return false;
  }
}

/**
 * Why the code in an invitation .eml is not the invite's any more (it was
 * given a new one with `--reissue-unsent`, in another folder), or null. The
 * invite's code must be among the code-shaped values after `invite=` (a name
 * can hold `invite=…` too, before the link: the first one proves nothing). A
 * file without any invitation link is not checked here.
 */
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
export function readInviteEml(path: string, email: string): Buffer {
  let eml;
  try {
    // never waits: a FIFO in a .eml's place blocked this thread, forever, with a batch claimed
    eml = readIfRegularFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    throw new Error(
      `${path}: no such file (deleted after the review?); not sent. To leave ${email} out, run: veza-beta invites revoke ${emailWord(email)}; to send it after all, give it a new .eml: veza-beta invites prepare COHORT.csv --reissue-unsent`,
    );
  }
  // a FIFO, a device (a link to /dev/zero was read without end) or a folder: not a .eml prepare wrote
  if (!eml) throw new Error(`${path}: not a regular file; not sent (give the invite a new .eml: invites prepare --reissue-unsent)`);
  return eml.bytes;
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
  private readonly log: DispatchLog;

  constructor(dir: string, invite: ManifestInvite, log: DispatchLog) {
    this.inviteId = invite.inviteId;
    this.email = invite.email;
    this.cohort = invite.cohort;
    this.dir = dir;
    this.file = invite.file;
    this.log = log;
  }

  // Read when its turn comes, synchronously: a 20 KB .eml just written is in the page cache, and
  // readFileSync costs about 15 µs of this thread where fs.promises' four thread-pool hops cost 70.
  // A file that is not this invite's whole .eml (copied over, cut short) is a failure, not a send.
  eml(claim: { codeDigest: string; claimedBy: string }): Buffer {
    const path = join(this.dir, this.file);
    const eml = readInviteEml(path, this.email);
    const damaged = inviteEmlProblem(eml, this.inviteId);
    if (damaged) throw new Error(`${path}: ${damaged}; not sent (give the invite a new .eml: invites prepare --reissue-unsent)`);
    // the digest as the claim found it: a reissue after the start of this dispatch is seen too
    const replaced = replacedCode(eml, claim.codeDigest);
    if (replaced) throw new Error(`${path}: ${replaced}; not sent`);
    // dated when sent, not when prepared (days before, maybe); the buffer just read is this send's alone: no copy
    const dated = withSendDate(eml, new Date(), { inPlace: true });
    // the last step before the mailer has it: a crash after this line leaves the email unknown, before it, given back
    this.log.sending(this.inviteId, this.email, claim.claimedBy);
    return dated;
  }
}

export interface DispatchTally {
  sent: number;
  failed: number;
}

/**
 * What the folder's dispatch.log says about the claims of dispatchers that are
 * gone (killed between a send and its record, or before trying the claims they
 * took ahead), for the invites of `ids`; the database is brought in line:
 * - an email logged `sent` by the claim the database still holds was taken by
 *   the transport, and that run ended before recording it (or a veza-beta older
 *   than the database, whose next claim 996_claim_guard.sql refused, with its
 *   last batch unrecorded). It was "unknown", and --resend-unknown sent it a
 *   second time: recorded as sent now (`recorded`).
 * - a claim of a run that logged `started` here on this machine's current boot
 *   and never logged `sending` for that email was never handed to the mailer:
 *   given back, ready to send (`givenBack`). It was "unknown" too: up to
 *   7N − 1 of them after a crash at --concurrency N, where at most N were with
 *   the mailer. Any other claim of a dead run stays unknown: its run wrote no
 *   `started` line here (another folder, another machine, an older veza-beta),
 *   or the machine has rebooted since (a power cut can lose the last lines).
 *   "Dead" is twice checked: its lock is free (isDispatcherAlive) and its process is gone from this
 *   machine (workerProcess). A lock alone is not enough: a dispatcher whose lock's connection was lost
 *   (a restarted server, idle_session_timeout, a network cut) goes on claiming and sending, and an
 *   email given back from it went out twice. And the log is read again once the claimer is known to
 *   be dead: a reading taken before (invites send reads it once per run; or a run that wrote its
 *   `sending` line between the reading and its death) misses lines.
 */
export async function settleFromLog(
  conn: Connection,
  invites: readonly Pick<ManifestInvite, 'inviteId' | 'email' | 'file'>[],
  logged: DispatchLogReading,
): Promise<{ recorded: NonNullable<DispatchSummary['recordedFromLog']>; givenBack: NonNullable<DispatchSummary['givenBackFromLog']> }> {
  const ids = invites.map((invite) => invite.inviteId);
  const boot = bootId();
  const journaled = new Set<string>();
  if (boot !== undefined) for (const [claimer, runBoot] of logged.runs) if (runBoot === boot) journaled.add(claimer);
  // every invite's state when a run of this boot may have left untried claims, else those logged as sent only
  const asked = journaled.size > 0 ? ids : ids.filter((id) => logged.sends.has(id));
  const recorded: NonNullable<DispatchSummary['recordedFromLog']> = [];
  const givenBack: NonNullable<DispatchSummary['givenBackFromLog']> = [];
  if (asked.length === 0) return { recorded, givenBack };
  // one liveness question per claimer: a dead run left up to 7N − 1 claims
  const alive = new Map<string, boolean>();
  const gone = async (claimer: string) => {
    if (!alive.has(claimer)) alive.set(claimer, await isDispatcherAlive(conn.db, claimer));
    return !alive.get(claimer);
  };
  const emails = new Map(invites.map((invite) => [invite.inviteId, invite.email]));
  /** claims of dead runs of this boot that the reading shows untried: looked at again in a reading made after */
  const untried: { id: string; claimer: string }[] = [];
  /** logged as sent, yet unsent and unclaimed in the database: one restored from a backup older than the send */
  const restored: { id: string; sent: LoggedSend }[] = [];
  for (const state of await sendStates(conn.db, asked)) {
    const loggedSend = state.state === 'ready' ? logged.sends.get(state.id) : undefined;
    if (loggedSend) restored.push({ id: state.id, sent: loggedSend });
    if (state.state !== 'claimed' || !state.claimedBy) continue;
    const claimer = state.claimedBy;
    const sent = logged.sends.get(state.id);
    // a line naming its claimer proves only that claim's send: the invite may have been given back,
    // reissued and claimed again since (a line of a veza-beta before 2026-11-29 names none)
    if (sent && (sent.claimedBy === undefined || sent.claimedBy === claimer)) {
      if (!(await gone(claimer))) continue;
      await markInviteSent(conn.db, state.id);
      recorded.push({ inviteId: state.id, email: sent.email, loggedAt: sent.loggedAt });
    } else if (
      journaled.has(claimer) &&
      !logged.handedOver.has(`${claimer}\t${state.id}`) &&
      (await gone(claimer)) &&
      workerProcess(claimer, state.claimedAt) === 'gone'
    )
      untried.push({ id: state.id, claimer });
  }
  if (restored.length > 0) recorded.push(...(await recordRestoredSends(conn, invites, logged.dir, restored)));
  if (untried.length === 0) return { recorded, givenBack };
  // read after the claimers were found dead: every line they wrote is in it (a log gone or unreadable
  // since, or another file in its place, has no 'started' line of theirs: nothing is given back)
  const now = readDispatchLog(logged.dir, new Set(untried.map((u) => u.id)));
  for (const { id, claimer } of untried) {
    if (now.runs.get(claimer) !== boot || now.handedOver.has(`${claimer}\t${id}`)) continue;
    // one at a time: another dispatch settling the same folder may have given it back and claimed it since
    if ((await releaseUntriedClaims(conn.db, [id], claimer)) === 1)
      givenBack.push({ inviteId: id, email: emails.get(id)!, claimedBy: claimer });
  }
  return { recorded, givenBack };
}

/**
 * The invites dispatch.log says were sent that the database has unsent and unclaimed: a database restored
 * from a backup taken after prepare and before that send (a dispatch then mailed each of them the same
 * invitation a second time). Recorded as sent when the folder's .eml still holds the code the database has:
 * the one in the person's inbox, which works. Otherwise (the code replaced since, the .eml gone) left to the
 * dispatch, which says why it does not send it.
 */
async function recordRestoredSends(
  conn: Connection,
  invites: readonly Pick<ManifestInvite, 'inviteId' | 'file'>[],
  dir: string,
  restored: readonly { id: string; sent: LoggedSend }[],
): Promise<NonNullable<DispatchSummary['recordedFromLog']>> {
  const files = new Map(invites.map((invite) => [invite.inviteId, invite.file]));
  const digests = await inviteCodeDigests(
    conn.db,
    restored.map((r) => r.id),
  );
  const recorded: NonNullable<DispatchSummary['recordedFromLog']> = [];
  for (const { id, sent } of restored) {
    const digest = digests.get(id);
    const file = files.get(id);
    if (digest === undefined || file === undefined || !fileHoldsCode(join(dir, file), digest)) continue;
    await markInviteSent(conn.db, id);
    recorded.push({ inviteId: id, email: sent.email, loggedAt: sent.loggedAt, unsentInDatabase: true });
  }
  return recorded;
}

/** A 'sent' line: when, to whom, and by which dispatcher's claim (undefined in the lines of older versions, which did not say). */
type LoggedSend = { email: string; loggedAt: string; claimedBy?: string };

/** A folder's dispatch.log as read before a dispatch. */
export interface DispatchLogReading {
  /** the folder whose dispatch.log this is (read again by settleFromLog before it gives a claim back) */
  dir: string;
  /** the 'sent' lines, by invite id */
  sends: Map<string, LoggedSend>;
  /** each claimer that logged 'started' in this very file (not a copy of it), with the boot id it ran under */
  runs: Map<string, string>;
  /** `${claimer}\t${inviteId}` of every 'sending' line: the emails each run handed to the mailer */
  handedOver: Set<string>;
  /**
   * of `handedOver`, the claims whose last line is 'failed': the mailer refused the email (a 550, a SEND_CMD
   * that exited 1), it did not go out
   */
  refused: Set<string>;
}

/**
 * The invites dispatch.log says may have reached their person: a 'sent' line, or a 'sending' line whose
 * outcome is not 'failed' (none recorded, 'unknown'). An email the mailer refused was never received.
 */
export function emailedFromLog(reading: DispatchLogReading): Set<string> {
  const emailed = new Set(reading.sends.keys());
  for (const key of reading.handedOver) if (!reading.refused.has(key)) emailed.add(key.slice(key.indexOf('\t') + 1));
  return emailed;
}

/**
 * The folder's dispatch.log (the lines of the invites in `wanted` only, when given; every 'started'
 * line); nothing when it has none yet or cannot be read (a folder in its place): evidence only, the
 * dispatch goes on without it.
 */
export function readDispatchLog(
  dir: string,
  wanted?: ReadonlySet<string>,
  fsType: number | undefined = fileSystemType(dir),
): DispatchLogReading {
  const reading: DispatchLogReading = { dir, sends: new Map(), runs: new Map(), handedOver: new Set(), refused: new Set() };
  let text: string;
  /** the file whose runs' 'started' lines count (logFileId); none on a file system shared over a network */
  let file: string | undefined;
  try {
    // a FIFO or a device in its place (a link to /dev/zero was read up to 2 GB) is no record: nothing is read
    // (and openLog refuses it)
    const log = readIfRegularFile(join(dir, DISPATCH_LOG), { bigint: true });
    if (!log) return reading;
    file = fsType === undefined || NETWORK_FILE_SYSTEMS.has(fsType) ? undefined : logFileId(log.stat);
    text = log.bytes.toString('utf8');
  } catch {
    return reading;
  }
  for (const line of text.split('\n')) {
    const fields = line.split('\t');
    if (fields.length <= 6) readLine(reading, file, fields, wanted);
    // more fields than a line has: a line cut short (a full disk's short write) with the next one, another
    // run's, written on after it; that next line, a 'sending' line maybe, counts all the same
    else for (const piece of line.split(LINE_START)) readLine(reading, file, piece.split('\t'), wanted);
  }
  return reading;
}

/**
 * statfs types of file systems shared over a network (NFS, SMB/CIFS, FUSE such as sshfs, 9p, AFS, Coda):
 * two machines appending to one file there can overwrite each other's lines (an NFS client appends at the
 * end it knows, with its writes still in its cache), so a 'sending' line may be lost while its run's
 * 'started' line stays: there, the claims of a dead run stay unknown, none is given back.
 */
const NETWORK_FILE_SYSTEMS = new Set([0x6969, 0x517b, 0xff534d42, 0xfe534d42, 0x65735546, 0x01021997, 0x5346414f, 0x73757245]);

/** The statfs type of the file system holding `dir`, undefined when it cannot be told (then it proves nothing). */
function fileSystemType(dir: string): number | undefined {
  try {
    return statfsSync(dir).type;
  } catch {
    return undefined;
  }
}

/** Where a line of dispatch.log begins: its time (isoTime), then a tab; no field holds a tab. */
const LINE_START = /(?=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t)/;

function readLine(reading: DispatchLogReading, file: string | undefined, fields: string[], wanted: ReadonlySet<string> | undefined): void {
  const [at, id, email, type, detail, claimedBy] = fields;
  if (!type || !id) return;
  if (type === 'started') {
    // a run's lines are proof in the file it wrote them to only (logFileId); a 'started' line of 2026-11-30
    // before this names no file, and proves nothing
    const [, boot, log] = /^boot (\S+) log (\S+)$/.exec(detail ?? '') ?? [];
    if (claimedBy && boot && boot !== 'unknown' && log === file) reading.runs.set(claimedBy, boot);
  } else if (wanted && !wanted.has(id)) return;
  else if (type === 'sending') {
    if (claimedBy) reading.handedOver.add(`${claimedBy}\t${id}`);
    if (claimedBy) reading.refused.delete(`${claimedBy}\t${id}`); // tried again by the same claim
  } else if (type === 'failed') {
    if (claimedBy) reading.refused.add(`${claimedBy}\t${id}`);
  } else if (type === 'sent' && at && email)
    reading.sends.set(id, claimedBy ? { email, loggedAt: at, claimedBy } : { email, loggedAt: at });
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
  options: Omit<DispatchOptions, 'from' | 'onEvent' | 'beforeClaims'> & {
    only?: ReadonlySet<string> | undefined;
    /** counted as the sends end: what a dispatch stopped by an error had done (the summary never comes then) */
    tally?: DispatchTally | undefined;
    /** dispatch.log read once by the caller (invites send dispatches a folder chunk by chunk) */
    logReading?: DispatchLogReading | undefined;
  },
  progress: Progress,
): Promise<DispatchSummary> {
  // dispatch.log is appended to there: a link planted by another user must not make it land elsewhere
  const open = folderOpenToOthers(dir);
  if (open) throw new ExitError(1, `${open}\nNothing was sent.`);
  const { only, tally, logReading, ...send } = options;
  const invites = only ? manifest.invites.filter((invite) => only.has(invite.inviteId)) : manifest.invites;
  // the caller's reading of the log (invites send reads it once per run), else this folder's, for these invites only
  const reading = logReading ?? readDispatchLog(dir, new Set(invites.map((invite) => invite.inviteId)));
  const settled = await settleFromLog(conn, invites, reading);
  const log = openLog(dir);
  const items = invites.map((invite) => new FolderItem(dir, invite, log));
  try {
    const mailed: DispatchSummary = await dispatchInvites(conn, items, transport, {
      ...send,
      from: manifest.mailFrom,
      // named before its first claim: a crash from then on leaves claims the next run can tie to this line
      beforeClaims: (claimedBy) => log.started(claimedBy),
      onEvent: (event) => {
        log.line(event);
        if (event.type === 'sent') progress.update(event.done, `sent ${event.email}`);
        else if (event.type === 'failed') progress.update(event.done, `FAILED ${event.email}`);
        if (tally && (event.type === 'sent' || event.type === 'failed')) tally[event.type]++;
      },
    });
    const missing = mailed.skipped.filter((s) => s.reason === 'missing');
    const emailed = missing.length > 0 ? emailedFromLog(reading) : new Set<string>();
    const lost = missing.filter((s) => emailed.has(s.inviteId)).map(({ inviteId, email }) => ({ inviteId, email }));
    const summary: DispatchSummary = {
      ...mailed,
      ...(settled.recorded.length > 0 ? { recordedFromLog: settled.recorded } : {}),
      ...(settled.givenBack.length > 0 ? { givenBackFromLog: settled.givenBack } : {}),
      ...(lost.length > 0 ? { lostFromLog: lost } : {}),
    };
    const logFailure = log.failure();
    return logFailure ? { ...summary, logFailure } : summary;
  } finally {
    log.close();
    progress.finish();
  }
}
