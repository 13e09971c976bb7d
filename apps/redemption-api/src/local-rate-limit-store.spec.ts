import { describe, expect, it } from '@jest/globals';
import { LocalCounter } from './local-rate-limit-store.js';

describe('LocalCounter', () => {
  it('counts each client apart, in fixed windows aligned on the clock, with the time left in the window', () => {
    let now = 120_000 + 15_000; // 15 s into a minute
    const counter = new LocalCounter(60_000, () => now);
    expect(counter.hit('a')).toEqual({ current: 1, ttl: 45_000 });
    expect(counter.hit('a')).toEqual({ current: 2, ttl: 45_000 });
    expect(counter.hit('b')).toEqual({ current: 1, ttl: 45_000 });
    now += 44_999;
    expect(counter.hit('a')).toEqual({ current: 3, ttl: 1 });
    now += 1; // the next minute: every count starts again, and the old ones are dropped
    expect(counter.hit('a')).toEqual({ current: 1, ttl: 60_000 });
    expect(counter.size).toBe(1);
  });
});
