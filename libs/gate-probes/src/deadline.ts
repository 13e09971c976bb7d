/**
 * Deadlines held by timers this module owns and clears. Node 20 can collect
 * an AbortSignal.timeout() combined with AbortSignal.any() and never fire it,
 * so no wait here relies on a signal that nothing references.
 */

/** A pause that ends early (without throwing) when the signal aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/** The abort reason of a deadline: an Error named TimeoutError whose message says which deadline. */
export function deadlineError(message: string): Error {
  const error = new Error(message);
  error.name = 'TimeoutError';
  return error;
}

export type DeadlineOutcome<T> = { done: true; value: T } | { done: false; reason: 'deadline' | 'aborted' };

/**
 * Runs `work` with a signal that aborts after `ms` or when `outer` aborts, and
 * settles by then whatever the work does: work that ignores its signal is
 * left behind (its result is dropped). The timer is cleared when it settles.
 * A rejection of `work` before the deadline is passed on.
 */
export function withDeadline<T>(ms: number, work: (signal: AbortSignal) => Promise<T>, outer?: AbortSignal): Promise<DeadlineOutcome<T>> {
  const controller = new AbortController();
  return new Promise<DeadlineOutcome<T>>((resolve, reject) => {
    const finish = (settle: () => void) => {
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
      settle();
    };
    const onAbort = () => {
      controller.abort(outer?.reason);
      finish(() => resolve({ done: false, reason: 'aborted' }));
    };
    const timer = setTimeout(
      () => {
        controller.abort(deadlineError(`deadline of ${ms} ms reached`));
        finish(() => resolve({ done: false, reason: 'deadline' }));
      },
      Math.max(0, ms),
    );
    if (outer?.aborted) return onAbort();
    outer?.addEventListener('abort', onAbort, { once: true });
    let started: Promise<T>;
    try {
      started = work(controller.signal);
    } catch (error) {
      return finish(() => reject(error));
    }
    started.then(
      (value) => finish(() => resolve({ done: true, value })),
      (error: unknown) => finish(() => reject(error)),
    );
  });
}
