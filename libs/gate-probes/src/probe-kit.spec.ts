/**
 * withinBudget races a probe's body against its budget: once the race is
 * settled, the budget's listener must be gone from the probe's signal, or the
 * signal keeps the whole probe context alive for as long as anything holds it
 * (Node's fetch holds it until its request's cleanup runs: the soak's monitor
 * kept about 1 KB per failed request that way).
 */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from '@jest/globals';
import { ProbeContext, withinBudget } from './probe-kit.js';

describe('withinBudget', () => {
  it('takes its abort listener off the probe signal once the body has answered or failed', async () => {
    const ctx = new ProbeContext({ timeoutMs: 60_000 });
    try {
      const before = getEventListeners(ctx.signal, 'abort').length;
      await expect(withinBudget(ctx, () => Promise.resolve('answered'))).resolves.toBe('answered');
      await expect(withinBudget(ctx, () => Promise.reject(new Error('connection reset')))).rejects.toThrow('connection reset');
      expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(before);
    } finally {
      ctx.dispose();
    }
  });

  it('still ends a body that ignores the signal when the budget runs out, with the budget reason', async () => {
    const ctx = new ProbeContext({ timeoutMs: 50 });
    try {
      await expect(withinBudget(ctx, () => new Promise<never>(() => undefined))).rejects.toThrow('no answer within 50 ms');
      expect(getEventListeners(ctx.signal, 'abort')).toHaveLength(0);
    } finally {
      ctx.dispose();
    }
  });
});
