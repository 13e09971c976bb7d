import { describe, expect, it } from '@jest/globals';
import { DatabaseDeadlineError, withinDatabaseDeadline } from './db-deadline.js';

/** A call the test settles by hand. */
function pending<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

describe('withinDatabaseDeadline', () => {
  it("answers with the call's result, and clears its timer", async () => {
    const before = timers();
    const call = pending<{ state: string }>();
    const answer = withinDatabaseDeadline(call.promise, 60_000);
    expect(timers()).toBe(before + 1);
    call.resolve({ state: 'valid' });
    await expect(answer).resolves.toEqual({ state: 'valid' });
    expect(timers()).toBe(before);
  });

  it("rejects with the call's own error, and clears its timer", async () => {
    const before = timers();
    const call = pending<number>();
    const answer = withinDatabaseDeadline(call.promise, 60_000);
    const error = Object.assign(new Error('connection terminated'), { code: 'INVITES_DB_UNREACHABLE' });
    call.reject(error);
    await expect(answer).rejects.toBe(error);
    expect(timers()).toBe(before);
  });

  it('rejects with DatabaseDeadlineError once the deadline passes; a call that fails later is not an unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const call = pending<number>();
      const answer = withinDatabaseDeadline(call.promise, 20);
      await expect(answer).rejects.toBeInstanceOf(DatabaseDeadlineError);
      await expect(answer).rejects.toMatchObject({ code: 'DATABASE_DEADLINE', message: 'the database did not answer within 20 ms' });
      call.reject(new Error('too late'));
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('rejects at once with the error of a thenable whose then throws, and clears its timer', async () => {
    const before = timers();
    const error = new Error('then exploded');
    const thenable = {
      then() {
        throw error;
      },
    } as unknown as Promise<number>;
    const answer = withinDatabaseDeadline(thenable, 60_000);
    await expect(answer).rejects.toBe(error);
    expect(timers()).toBe(before);
  });

  it('a result that comes after the deadline does not change the answer', async () => {
    const call = pending<number>();
    const answer = withinDatabaseDeadline(call.promise, 10);
    await expect(answer).rejects.toBeInstanceOf(DatabaseDeadlineError);
    call.resolve(1);
    await expect(answer).rejects.toBeInstanceOf(DatabaseDeadlineError);
  });
});
