import type { DispatchOptions, Transport } from '@veza/invite-mailer';
import type { Connection } from '@veza/invites-db';
import { dispatchFolder, readDispatchLog } from './dispatch-folder.js';
import type { DispatchLogReading, DispatchSummary } from './dispatch-folder.js';
import type { ManifestInvite } from './manifest.js';
import type { Progress } from './progress.js';

/** A prepare chunk once its rows are committed and its .eml files are on the disk. */
export interface PreparedChunk {
  dir: string;
  mailFrom: string;
  invites: ManifestInvite[];
}

/** Two summaries of one folder's dispatch as one (counts added, lists joined). */
export function mergeSummaries(a: DispatchSummary, b: DispatchSummary): DispatchSummary {
  const stopped = a.stopped && b.stopped ? { ...a.stopped, notTried: a.stopped.notTried + b.stopped.notTried } : (a.stopped ?? b.stopped);
  return {
    total: a.total + b.total,
    sent: a.sent + b.sent,
    alreadySent: a.alreadySent + b.alreadySent,
    failed: [...a.failed, ...b.failed],
    unknown: [...a.unknown, ...b.unknown],
    skipped: [...a.skipped, ...b.skipped],
    expired: [...a.expired, ...b.expired],
    elsewhere: [...a.elsewhere, ...b.elsewhere],
    sentRevoked: [...a.sentRevoked, ...b.sentRevoked],
    stopped,
    interrupted: a.interrupted || b.interrupted ? { notTried: (a.interrupted?.notTried ?? 0) + (b.interrupted?.notTried ?? 0) } : null,
    lockLost: a.lockLost || b.lockLost ? { notTried: (a.lockLost?.notTried ?? 0) + (b.lockLost?.notTried ?? 0) } : null,
    ...((a.logFailure ?? b.logFailure) ? { logFailure: a.logFailure ?? b.logFailure } : {}),
    ...(a.recordedFromLog || b.recordedFromLog ? { recordedFromLog: [...(a.recordedFromLog ?? []), ...(b.recordedFromLog ?? [])] } : {}),
    ...(a.givenBackFromLog || b.givenBackFromLog
      ? { givenBackFromLog: [...(a.givenBackFromLog ?? []), ...(b.givenBackFromLog ?? [])] }
      : {}),
  };
}

/**
 * `invites send` with SEND=1 on PostgreSQL: each chunk that prepare has
 * committed is dispatched while prepare works on the next, one chunk after
 * the other, through one transport. Every chunk goes through the same
 * dispatchInvites as `invites dispatch` (claims, exactly once, dispatch.log).
 * After a fail-fast stop the later chunks are not tried (counted in
 * `stopped.notTried`), as in one dispatch of the whole folder; after a
 * dispatch that lost its database lock neither (counted in `lockLost.notTried`).
 *
 * The chunks that prepare committed while a dispatch ran go out together in
 * the next one (those of one folder, in their order): each dispatch has a
 * fixed cost (its dispatcher's lock on a connection of its own, the send
 * states of its invites, the end where fewer emails than connections are in
 * flight), which 20 dispatches of 500 paid for 10,000 invites.
 */
export class StreamedDispatch {
  private tail: Promise<void> = Promise.resolve();
  /** committed chunks not handed to a dispatch yet */
  private readonly queued: PreparedChunk[] = [];
  private failure: { error: unknown } | undefined;
  private done = 0;
  /**
   * The folder's dispatch.log as it was before this run's first chunk, read once: read again for each
   * chunk (500 rows), the log that grows with every send made the run quadratic (a 300,000-row send read
   * 600 times a log of up to 40 MB). What this run appends to it needs no reading: its own sends are
   * recorded by this run, whose claims are alive.
   */
  private readonly logReadings = new Map<string, DispatchLogReading>();
  /** invites handed to a dispatch (whatever became of them), or left untried after a stop */
  readonly handled = new Set<string>();
  summary: DispatchSummary | null = null;

  constructor(
    private readonly conn: Connection,
    private readonly transport: Transport,
    private readonly options: Omit<DispatchOptions, 'from' | 'onEvent'>,
    private readonly progress: Progress,
  ) {}

  /** Queues a committed chunk; never throws (a failure is thrown by `finish`). */
  add(chunk: PreparedChunk): void {
    this.queued.push(chunk);
    this.tail = this.tail.then(() => this.dispatchQueued());
  }

  /** Dispatches every chunk queued so far, those of one folder (and sender) that follow each other as one. */
  private async dispatchQueued(): Promise<void> {
    while (this.queued.length > 0) {
      const first = this.queued.shift()!;
      const invites = [...first.invites];
      while (this.queued[0] && this.queued[0].dir === first.dir && this.queued[0].mailFrom === first.mailFrom)
        invites.push(...this.queued.shift()!.invites);
      await this.dispatch({ dir: first.dir, mailFrom: first.mailFrom, invites });
    }
  }

  private async dispatch(chunk: PreparedChunk): Promise<void> {
    if (this.failure || chunk.invites.length === 0) return;
    for (const invite of chunk.invites) this.handled.add(invite.inviteId);
    // after fail-fast, or a lost database lock (the server restarted?), nothing more is tried
    const untried = this.summary && notTriedAfterStop(this.summary, chunk.invites.length);
    if (this.summary && untried) {
      this.summary = mergeSummaries(this.summary, untried);
      return;
    }
    const base = this.done;
    const progress: Progress = { update: (done, line) => this.progress.update(base + done, line), finish: () => undefined };
    try {
      let logReading = this.logReadings.get(chunk.dir);
      if (!logReading) this.logReadings.set(chunk.dir, (logReading = readDispatchLog(chunk.dir)));
      const summary = await dispatchFolder(
        this.conn,
        chunk.dir,
        { mailFrom: chunk.mailFrom, invites: chunk.invites },
        this.transport,
        { ...this.options, logReading },
        progress,
      );
      this.done += summary.sent + summary.failed.length;
      this.summary = this.summary ? mergeSummaries(this.summary, summary) : summary;
    } catch (error) {
      this.failure = { error };
    }
  }

  /** Resolves when every queued chunk is done; never rejects. */
  idle(): Promise<void> {
    return this.tail;
  }

  /** Waits for the queued chunks; the merged summary (null when nothing was queued), or the first failure. */
  async finish(): Promise<DispatchSummary | null> {
    await this.tail;
    this.progress.finish();
    if (this.failure) throw this.failure.error;
    return this.summary;
  }
}

/**
 * The summary of `count` emails left untried because the dispatch of `after` stopped (fail-fast: its
 * `stopped`, or a lost database lock: `lockLost`), or null when it did not stop.
 */
export function notTriedAfterStop(after: DispatchSummary, count: number): DispatchSummary | null {
  if (after.stopped) return { ...emptySummary(), total: count, stopped: { ...after.stopped, notTried: count } };
  if (after.lockLost) return { ...emptySummary(), total: count, lockLost: { notTried: count } };
  return null;
}

/** A dispatch that tried nothing: the start of a merge, or the rest left untried after a stop. */
export function emptySummary(): DispatchSummary {
  return {
    total: 0,
    sent: 0,
    alreadySent: 0,
    failed: [],
    unknown: [],
    skipped: [],
    expired: [],
    elsewhere: [],
    sentRevoked: [],
    stopped: null,
    interrupted: null,
    lockLost: null,
  };
}
