/**
 * Spaces out starts to at most `perSecond` per second, across all workers of
 * one process. A start due less than a millisecond from now goes at once: a
 * timer cannot wait less than about a millisecond, so waiting for a slot a few
 * microseconds away would cost each start a timer tick at high rates (the
 * schedule keeps the debt, so the average rate holds).
 */
export function rateLimiter(perSecond: number): () => Promise<void> {
  const intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  let nextSlot = 0;
  return async () => {
    const now = performance.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + intervalMs;
    if (slot - now >= 1) await new Promise((resolve) => setTimeout(resolve, slot - now));
  };
}
