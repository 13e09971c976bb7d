import { DEFAULTS } from './config.js';

/**
 * How long a request waits for one database call: the server's own
 * statement_timeout (5 s) and a second for the answer to travel. A server that
 * has stopped answering (frozen, or behind a network that drops packets)
 * never applies its statement_timeout: this deadline is the one the API owns.
 */
export const DATABASE_DEADLINE_MS = DEFAULTS.statementTimeoutMs + 1_000;

/** What a call that missed its deadline rejects with: read as "database unavailable" (503, Retry-After). */
export class DatabaseDeadlineError extends Error {
  readonly code = 'DATABASE_DEADLINE';
  constructor(ms: number) {
    super(`the database did not answer within ${ms} ms`);
  }
}

/**
 * The call's result, or DatabaseDeadlineError once `ms` have passed; the timer
 * is cleared either way. The call itself is not cancelled (a redeem the
 * database still commits later is then redeemed: a retry answers INVITE_USED).
 *
 * One promise and one timer per call, on every lookup and redeem: not an async
 * function racing a second promise (Promise.race), which made five promises
 * and an array per call. `work` is subscribed to at once, so a rejection after
 * the deadline is handled, not left unhandled.
 */
export function withinDatabaseDeadline<T>(work: Promise<T>, ms: number = DATABASE_DEADLINE_MS): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DatabaseDeadlineError(ms)), ms);
    try {
      work.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(error);
        },
      );
    } catch (error) {
      // a thenable whose `then` throws: its error now, not a timer left to hold the process until the deadline
      clearTimeout(timer);
      reject(error);
    }
  });
}
