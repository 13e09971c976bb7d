/** Spaces out starts to at most `perSecond` per second, across all workers of one process. */
export function rateLimiter(perSecond: number): () => Promise<void> {
  const intervalMs = perSecond > 0 ? 1000 / perSecond : 0;
  let nextSlot = 0;
  return async () => {
    const now = Date.now();
    const slot = Math.max(now, nextSlot);
    nextSlot = slot + intervalMs;
    if (slot > now) await new Promise((resolve) => setTimeout(resolve, slot - now));
  };
}
