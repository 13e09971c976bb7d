import type { RateLimitHits } from '@veza/invites-db';

/**
 * A rate-limit counter (for src/rate-limit-hook.ts) whose counters are shared by every replica
 * through the database, without a write per request: each replica counts
 * locally and settles with the database in batches (one statement for all
 * buckets): every `flushIntervalMs`, and at once — the request waiting for
 * the answer — when a bucket has `batch` unsettled hits.
 *
 * Windows are fixed and aligned on the clock (minute N is the same minute on
 * every replica), so the counters of all replicas add up.
 *
 * Bound: once the cluster-wide count of a bucket passes `max`, each replica
 * admits at most `batch - 1` more requests of that bucket in the window
 * (those counted since its last settle) before it learns the total. So a
 * window admits at most max + replicas × (batch − 1). With batch =
 * ceil(max / 20) (see batchFor), 2 replicas and a limit of 30 admit at most
 * 32 of 40 requests.
 */
export interface SharedCounterOptions {
  settle(batch: readonly RateLimitHits[]): Promise<Map<string, number>>;
  purge(before: Date): Promise<unknown>;
  max: number;
  windowMs: number;
  flushIntervalMs: number;
  /**
   * How long a hit that makes its bucket settle waits for the database's answer; past that it is
   * answered from the local counts (as while the database is away) and the settle goes on behind it.
   * Without it, a frozen database or a network that drops packets held the request for as long as
   * the settle hung, before the route's own database deadline even started.
   */
  settleWaitMs: number;
  now?: () => number;
}

interface Entry {
  window: number;
  /** the cluster-wide total at the last settle (this replica's settled hits included) */
  known: number;
  /** counted here, not yet sent */
  pending: number;
  /** sent, answer not yet back */
  inflight: number;
}

/**
 * Most buckets one settle sends: three parameters each, and a statement carries at most 65,534
 * (a larger batch failed whole, and stayed whole for the next round).
 */
export const SETTLE_MAX_BUCKETS = 10_000;

/** Unsettled hits a replica may admit per bucket: 5 % of the limit, at least 1 (then every hit settles at once). */
export function batchFor(max: number): number {
  return Math.max(1, Math.ceil(max / 20));
}

/** A bucket's count as the rate-limit hook reads it: what this process knows of plus what it has not settled yet. */
function countOf(entry: Entry, ttl: number): { current: number; ttl: number } {
  return { current: entry.known + entry.inflight + entry.pending, ttl };
}

export class SharedCounter {
  private readonly entries = new Map<string, Entry>();
  private readonly now: () => number;
  private readonly batch: number;
  private settling: Promise<void> | undefined;
  private purgedBefore = 0;
  private readonly timer: NodeJS.Timeout;
  /** settle failures since start (database away): the counts stay local until it returns */
  failures = 0;

  constructor(private readonly options: SharedCounterOptions) {
    this.now = options.now ?? Date.now;
    this.batch = batchFor(options.max);
    this.timer = setInterval(() => void this.settleAll(), options.flushIntervalMs);
    this.timer.unref();
  }

  /** Counts one hit; synchronous unless this hit makes the bucket settle (the hot path allocates no promise). */
  hit(key: string): { current: number; ttl: number } | Promise<{ current: number; ttl: number }> {
    const now = this.now();
    const window = Math.floor(now / this.options.windowMs);
    let entry = this.entries.get(key);
    if (!entry || entry.window !== window) {
      entry = { window, known: 0, pending: 0, inflight: 0 };
      this.entries.set(key, entry);
    }
    entry.pending++;
    const ttl = (window + 1) * this.options.windowMs - now;
    // the hot path creates no closure either (tsx names each one, about a microsecond: see redact-url.ts)
    if (entry.pending + entry.inflight >= this.batch)
      return this.settleWithin(this.options.settleWaitMs).then(countOf.bind(null, entry, ttl));
    return countOf(entry, ttl);
  }

  /** settleAll, or `ms` later if it has not ended by then (it goes on; settleAll never rejects). */
  private settleWithin(ms: number): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
    });
    return Promise.race([this.settleAll(), waited]).finally(() => clearTimeout(timer));
  }

  /** Sends every bucket's pending hits in one statement; concurrent callers wait for the same round, then one more if needed. */
  async settleAll(): Promise<void> {
    while (this.settling) await this.settling;
    const sent: [string, Entry, number][] = [];
    for (const [key, entry] of this.entries) {
      if (entry.pending > 0) {
        sent.push([key, entry, entry.pending]);
        entry.inflight += entry.pending;
        entry.pending = 0;
        if (sent.length === SETTLE_MAX_BUCKETS) break; // the rest at the next round
      }
    }
    if (sent.length === 0) return;
    const round = (async () => {
      const windowStart = (e: Entry) => new Date(e.window * this.options.windowMs);
      try {
        const totals = await this.options.settle(sent.map(([bucket, e, hits]) => ({ bucket, windowStart: windowStart(e), hits })));
        for (const [key, entry, hits] of sent) {
          entry.inflight -= hits;
          entry.known = totals.get(`${key} ${windowStart(entry).toISOString()}`) ?? entry.known + hits;
        }
        await this.purgeOldWindows();
      } catch {
        // The database is away: keep the hits to send later, and count locally meanwhile.
        this.failures++;
        for (const [, entry, hits] of sent) {
          entry.inflight -= hits;
          entry.pending += hits;
        }
        this.forgetEndedWindows();
      }
    })();
    this.settling = round;
    try {
      await round;
    } finally {
      this.settling = undefined;
    }
  }

  /**
   * Drops the buckets of windows that have ended, unsent hits and all: they limit nobody any more.
   * While the database is away nothing else drops them: a long outage kept every client of every
   * minute of it, and the first settle after it carried them all, more buckets than one statement's
   * parameters allow (3 a bucket, 65,534 at most): it failed, and so did every later one.
   */
  private forgetEndedWindows(): void {
    const current = Math.floor(this.now() / this.options.windowMs);
    for (const [key, entry] of this.entries) if (entry.window < current && entry.inflight === 0) this.entries.delete(key);
  }

  private async purgeOldWindows(): Promise<void> {
    const current = Math.floor(this.now() / this.options.windowMs);
    for (const [key, entry] of this.entries) if (entry.window < current) this.entries.delete(key);
    const before = (current - 1) * this.options.windowMs;
    if (before > this.purgedBefore) {
      this.purgedBefore = before;
      await this.options.purge(new Date(before));
    }
  }

  /** Stops the timer and sends what is left (on server close). */
  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.settleAll();
  }
}
