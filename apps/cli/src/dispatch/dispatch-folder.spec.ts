import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { isoTime } from './dispatch-folder.js';

describe("dispatch.log's time", () => {
  it('is toISOString of the moment, in whatever order the moments come (its second is formatted once and kept)', () => {
    // around a second's edges, before 1970, and the far years toISOString writes with a sign
    const edges = [999, 1000, 1001, 0, -1, -1000, -1001, 1_764_489_599_999, 1_764_489_600_000, 1_764_489_600_007, 1_764_489_599_999];
    const far = [253_402_300_800_000, -62_198_755_200_001, 8.64e15, -8.64e15];
    for (const ms of [...edges, ...far]) expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    // a run of moments a few ms apart (a dispatch's lines), with the clock stepped back now and then
    const step = fc.oneof(fc.integer({ min: 0, max: 1500 }), fc.integer({ min: -3000, max: 0 }));
    fc.assert(
      fc.property(fc.integer({ min: -8.64e15 + 1e9, max: 8.64e15 - 1e9 }), fc.array(step, { maxLength: 40 }), (start, steps) => {
        let ms = start;
        expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        for (const d of steps) {
          ms += d;
          expect(isoTime(ms)).toBe(new Date(ms).toISOString());
        }
      }),
    );
  });
});
