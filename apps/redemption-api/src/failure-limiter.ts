/**
 * Counts failures per key in fixed one-minute windows: after `max` failures a
 * key is refused until its window ends. Successes cost nothing, so an operator
 * with the right token is never slowed down. In memory, per process: an admin
 * token has ≥ 64 bits, so the limit is hygiene against a flood, not the guard.
 */
export interface FailureLimiter {
  /** seconds until the key may try again, or 0 when it may try now */
  retryAfter(key: string): number;
  fail(key: string): void;
}

export function failureLimiter(max: number, windowMs = 60_000, now: () => number = Date.now): FailureLimiter {
  const windows = new Map<string, { start: number; failures: number }>();
  const current = (key: string) => {
    const entry = windows.get(key);
    if (entry && now() - entry.start < windowMs) return entry;
    windows.delete(key);
    return undefined;
  };
  return {
    retryAfter(key) {
      const entry = current(key);
      return entry && entry.failures >= max ? Math.max(1, Math.ceil((entry.start + windowMs - now()) / 1000)) : 0;
    },
    fail(key) {
      const entry = current(key);
      if (entry) entry.failures++;
      else {
        // Bounded memory: drop finished windows before adding a key.
        if (windows.size >= 10_000) for (const [k, e] of windows) if (now() - e.start >= windowMs) windows.delete(k);
        if (windows.size < 10_000) windows.set(key, { start: now(), failures: 1 });
      }
    },
  };
}
