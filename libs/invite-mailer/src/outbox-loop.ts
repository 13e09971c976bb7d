import type { OutboxSender, OutboxSummary } from './outbox-sender.js';

export interface OutboxLoop {
  /** Drains soon (after a redemption queued an email), without waiting for the interval. */
  nudge(): void;
  /** Stops the timer and waits for the drain in progress, if any. Does not close the sender. */
  stop(): Promise<void>;
}

/**
 * Drains the outbox every `intervalMs` and whenever nudged, one drain at a
 * time, for a long-running process (the redemption API). A drain that throws
 * (database down) is reported to `onError` and tried again at the next tick.
 */
export function runOutboxLoop(
  sender: OutboxSender,
  options: { intervalMs: number; onSummary?: (summary: OutboxSummary) => void; onError?: (error: unknown) => void },
): OutboxLoop {
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> | undefined;
  let again = false;
  let stopped = false;
  const schedule = (ms: number) => {
    if (stopped) return;
    clearTimeout(timer);
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  const tick = () => {
    if (stopped) return;
    if (current) {
      again = true;
      return;
    }
    current = sender
      .drain()
      .then(
        (summary) => options.onSummary?.(summary),
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        current = undefined;
        if (again) {
          again = false;
          schedule(0);
        } else schedule(options.intervalMs);
      });
  };
  schedule(0);
  return {
    // During a drain, a nudge is remembered rather than timed: the drain's end would replace its timer
    // with the interval's (a welcome email queued meanwhile then waited a whole interval).
    nudge: () => {
      if (current) again = true;
      else schedule(0);
    },
    stop: async () => {
      stopped = true;
      clearTimeout(timer);
      await current;
    },
  };
}
