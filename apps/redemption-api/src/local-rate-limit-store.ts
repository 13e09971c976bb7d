/**
 * The in-memory rate-limit counter (one process: the embedded database, or
 * `rateLimitStore: 'memory'`): the local-counting half of SharedCounter
 * without the database. Fixed windows aligned on the clock, as the shared
 * store has, so both stores count the same way.
 *
 * Cheap on purpose, it is on every request: one Map lookup and an increment,
 * no timer per client, no promise. When the clock enters a new window every
 * counter of the old one is stale, so the whole map is dropped at once: the
 * memory held is one entry per client seen in the current window.
 */
export class LocalCounter {
  private entries = new Map<string, number>();
  private window = -1;
  private readonly now: () => number;

  constructor(
    private readonly windowMs: number,
    now?: () => number,
  ) {
    this.now = now ?? Date.now;
  }

  /** Counts one hit of `key`: its count in the current window, and the milliseconds until the window ends. */
  hit(key: string): { current: number; ttl: number } {
    const now = this.now();
    const window = Math.floor(now / this.windowMs);
    if (window !== this.window) {
      this.window = window;
      this.entries = new Map();
    }
    const current = (this.entries.get(key) ?? 0) + 1;
    this.entries.set(key, current);
    return { current, ttl: (window + 1) * this.windowMs - now };
  }

  /** Clients counted in the current window (for tests). */
  get size(): number {
    return this.entries.size;
  }
}
