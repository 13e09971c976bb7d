import { describe, expect, it } from '@jest/globals';
import { sharedCheck } from './health.js';

describe('sharedCheck: /readyz one check at a time', () => {
  it('callers that arrive while a check runs share it; the next call after it answered starts a fresh one', async () => {
    let runs = 0;
    const ready = sharedCheck(async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 20));
    });
    await Promise.all([ready(), ready(), ready()]);
    expect(runs).toBe(1);
    await ready();
    expect(runs).toBe(2);
  });

  it('a check that never answers is given up at the deadline, and the next call starts a fresh one instead of joining it', async () => {
    let runs = 0;
    const ready = sharedCheck(() => {
      runs++;
      return runs === 1 ? new Promise<void>(() => undefined) : Promise.resolve(); // the first hangs on a dead connection
    }, 100);
    await expect(ready()).rejects.toThrow('the database did not answer within 100 ms');
    await expect(ready()).resolves.toBeUndefined();
    expect(runs).toBe(2);
  });
});
